import type { Operation } from '../operation.js';

/** DescribeRegistry: Stowage replicates nowhere, so the replication configuration has no rules. */
const describeRegistry: Operation = async ({ registry }) => ({
  registryId: registry.context.registryId,
  replicationConfiguration: { rules: [] },
});

const getAccountSetting: Operation = async ({ input, registry }) => {
  const name = input.name as string;
  return { name, value: await registry.accountSettings.get(name) };
};

const putAccountSetting: Operation = async ({ input, registry }) => {
  const name = input.name as string;
  const value = input.value as string;
  await registry.accountSettings.put(name, value);
  return { name, value };
};

export const registryOperations: Record<string, Operation> = {
  DescribeRegistry: describeRegistry,
  GetAccountSetting: getAccountSetting,
  PutAccountSetting: putAccountSetting,
};
