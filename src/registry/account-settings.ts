import { getAccountSetting, putAccountSetting } from '../storage/meta/account-settings.js';
import type { RegistryContext } from './context.js';
import { RegistryError } from './errors.js';

/**
 * ECR's account settings (GetAccountSetting, PutAccountSetting), kept per registry. The
 * names and values are the ones ECR's API reference lists; Stowage acts on BLOB_MOUNTING
 * (cross-repository mounts on `/v2/`). Basic scanning is AWS_NATIVE and registry policies
 * apply to every action (scope V2), the only values ECR still accepts for those settings.
 */
export const ACCOUNT_SETTINGS = {
  BASIC_SCAN_TYPE_VERSION: { values: ['AWS_NATIVE'], default: 'AWS_NATIVE' },
  REGISTRY_POLICY_SCOPE: { values: ['V2'], default: 'V2' },
  // Stowage has always mounted blobs across repositories; an account may turn that off.
  BLOB_MOUNTING: { values: ['ENABLED', 'DISABLED'], default: 'ENABLED' },
} as const satisfies Record<string, { values: readonly string[]; default: string }>;

export type AccountSettingName = keyof typeof ACCOUNT_SETTINGS;

export class AccountSettings {
  constructor(private readonly context: RegistryContext) {}

  /** The setting's value: the one put, else its default. */
  async get(name: string): Promise<string> {
    const setting = settingNamed(name);
    return (await getAccountSetting(this.context.database.db, this.context.registryId, name)) ?? setting.default;
  }

  async put(name: string, value: string): Promise<void> {
    const setting = settingNamed(name);
    if (!(setting.values as readonly string[]).includes(value)) {
      throw new RegistryError(
        'INVALID_PARAMETER',
        `Invalid parameter at 'value' failed to satisfy constraint: 'Member must satisfy enum value set: [${setting.values.join(', ')}]'`,
      );
    }
    await putAccountSetting(this.context.database.db, this.context.registryId, name, value, this.context.now());
  }
}

function settingNamed(name: string): (typeof ACCOUNT_SETTINGS)[AccountSettingName] {
  if (!Object.hasOwn(ACCOUNT_SETTINGS, name)) {
    throw new RegistryError(
      'INVALID_PARAMETER',
      `Invalid parameter at 'name' failed to satisfy constraint: 'Member must satisfy enum value set: [${Object.keys(ACCOUNT_SETTINGS).join(', ')}]'`,
    );
  }
  return ACCOUNT_SETTINGS[name as AccountSettingName];
}
