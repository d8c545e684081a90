/**
 * The image an SBOM describes: where it lives (registry host and repository), what it is
 * (its manifest digest) and the tags that pointed at it when the document was made.
 */
import { compareCodeUnits } from './order.js';

export interface SbomSubject {
  /** Registry host as clients address it, with a port when one is used (`registry.example.com:5000`). */
  registry: string;
  repository: string;
  /** The manifest digest, `algorithm:hex` (`sha256:…`). */
  digest: string;
  tags: string[];
}

/** `registry/repository@digest`: the reference that pulls exactly this image. */
export function imageReference(subject: SbomSubject): string {
  return `${subject.registry}/${subject.repository}@${subject.digest}`;
}

/** The tags, each once, in code-unit order, so that documents do not depend on the order given. */
export function sortedTags(subject: SbomSubject): string[] {
  return [...new Set(subject.tags)].sort(compareCodeUnits);
}
