import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Registry } from '../../registry/registry.js';

/** What every `/v2/` handler receives. */
export interface OciExchange {
  registry: Registry;
  request: FastifyRequest;
  reply: FastifyReply;
  query: URLSearchParams;
  /** Whether the caller may pull from another repository (the source of a mount). */
  mayPull(name: string): Promise<boolean>;
}

export function locationOf(name: string, rest: string): string {
  return `/v2/${name}/${rest}`;
}
