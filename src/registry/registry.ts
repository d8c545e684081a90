import { AccountSettings } from './account-settings.js';
import { Blobs } from './blobs.js';
import type { RegistryContext } from './context.js';
import { ImageScans, ScanSignal } from './image-scans.js';
import { Images } from './images.js';
import { LayerDownloads } from './layer-downloads.js';
import { Layers } from './layers.js';
import { LifecyclePolicies } from './lifecycle-policies.js';
import { Manifests } from './manifests.js';
import { PullRecorder } from './pull-recorder.js';
import { RegistryPolicies } from './registry-policies.js';
import { Repositories } from './repositories.js';
import { UploadSessionState, Uploads } from './uploads.js';

/** What the registries of all accounts in one process share. */
interface SharedState {
  uploadSessions: UploadSessionState;
  pulls: PullRecorder;
  layerDownloads: LayerDownloads;
  /** Wakes this process's scan worker when scans are queued. */
  scanSignal: ScanSignal;
  accounts: Map<string, Registry>;
}

/**
 * The registry domain of one account (ECR's registryId): one object per aggregate, sharing
 * one context. `forAccount` gives another account's registry over the same storage.
 */
export class Registry {
  readonly repositories: Repositories;
  readonly blobs: Blobs;
  readonly uploads: Uploads;
  readonly manifests: Manifests;
  /** ECR's view of manifests: images with their tags (ListImages, BatchGetImage, PutImage …). */
  readonly images: Images;
  /** ECR's layer API: availability, uploads in parts, download grants. */
  readonly layers: Layers;
  /** Checks the download grants of every account (they name their account). */
  readonly layerDownloads: LayerDownloads;
  readonly registryPolicy: RegistryPolicies;
  readonly accountSettings: AccountSettings;
  /** Lifecycle policies, their previews and their execution. */
  readonly lifecycle: LifecyclePolicies;
  /** Scanning configuration, scan requests and findings. */
  readonly scans: ImageScans;
  readonly pulls: PullRecorder;
  private readonly shared: SharedState;

  constructor(
    readonly context: RegistryContext,
    shared?: SharedState,
  ) {
    this.shared = shared ?? {
      uploadSessions: new UploadSessionState(context.uploadIdKey),
      pulls: new PullRecorder(context),
      layerDownloads: new LayerDownloads(context.layerDownloadKey),
      scanSignal: new ScanSignal(),
      accounts: new Map(),
    };
    this.shared.accounts.set(context.registryId, this);
    this.repositories = new Repositories(context);
    this.blobs = new Blobs(context, this.repositories);
    this.uploads = new Uploads(context, this.repositories, this.shared.uploadSessions);
    this.pulls = this.shared.pulls;
    this.manifests = new Manifests(context, this.repositories, this.pulls);
    this.images = new Images(context, this.repositories, this.manifests, this.pulls);
    this.layerDownloads = this.shared.layerDownloads;
    this.layers = new Layers(context, this.repositories, this.uploads, this.layerDownloads);
    this.registryPolicy = new RegistryPolicies(context);
    this.accountSettings = new AccountSettings(context);
    this.lifecycle = new LifecyclePolicies(context, this.repositories);
    this.scans = new ImageScans(context, this.repositories, this.images, this.shared.scanSignal);
    this.manifests.onStored = (trx, repository, digest, manifest) => this.scans.requestOnPush(trx, repository, digest, manifest);
    this.manifests.afterStored = () => this.scans.notify();
  }

  /** Calls `listener` whenever scans are queued in this process; returns a function that stops it. */
  onScansQueued(listener: () => void): () => void {
    return this.shared.scanSignal.listen(listener);
  }

  /** The registry of `registryId`, sharing this one's storage and in-process state. */
  forAccount(registryId: string): Registry {
    return this.shared.accounts.get(registryId) ?? new Registry({ ...this.context, registryId }, this.shared);
  }
}
