import { Blobs } from './blobs.js';
import type { RegistryContext } from './context.js';
import { Manifests } from './manifests.js';
import { PullRecorder } from './pull-recorder.js';
import { Repositories } from './repositories.js';
import { Uploads } from './uploads.js';

/** The registry domain: one object per aggregate, sharing one context. */
export class Registry {
  readonly repositories: Repositories;
  readonly blobs: Blobs;
  readonly uploads: Uploads;
  readonly manifests: Manifests;
  readonly pulls: PullRecorder;

  constructor(readonly context: RegistryContext) {
    this.repositories = new Repositories(context);
    this.blobs = new Blobs(context, this.repositories);
    this.uploads = new Uploads(context, this.repositories);
    this.pulls = new PullRecorder(context);
    this.manifests = new Manifests(context, this.repositories, this.pulls);
  }
}
