import fs from 'node:fs';

/**
 * An AWS service model as botocore publishes it (see models/README.md): the operations,
 * shapes and constraints that the control-plane edge validates requests against and
 * shapes its answers by.
 */
export interface ServiceModel {
  metadata: { targetPrefix: string; jsonVersion: string; signingName: string; serviceId: string };
  operations: Record<string, OperationModel>;
  shapes: Record<string, ShapeModel>;
  paginators: Record<string, { input_token: string; output_token?: string; limit_key?: string; result_key: string | string[] }>;
}

export interface OperationModel {
  name: string;
  input?: { shape: string };
  output?: { shape: string };
  errors?: { shape: string }[];
}

export type ShapeModel =
  | { type: 'structure'; members: Record<string, { shape: string }>; required?: string[]; exception?: boolean; fault?: boolean }
  | { type: 'list'; member: { shape: string }; min?: number; max?: number }
  | { type: 'map'; key: { shape: string }; value: { shape: string }; min?: number; max?: number }
  | { type: 'string'; min?: number; max?: number; pattern?: string; enum?: string[] }
  | { type: 'integer' | 'long' | 'double'; min?: number; max?: number }
  | { type: 'boolean' | 'timestamp' | 'blob' };

const cache = new Map<string, ServiceModel>();

/** Loads `models/<file>`, relative to this module in both src/ and dist/. */
export function loadServiceModel(file: string): ServiceModel {
  let model = cache.get(file);
  if (!model) {
    const url = new URL(`../../models/${file}`, import.meta.url);
    model = JSON.parse(fs.readFileSync(url, 'utf8')) as ServiceModel;
    cache.set(file, model);
  }
  return model;
}

export const ECR_MODEL_FILE = 'ecr-2015-09-21.json';
