import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The installed AWS SDK v3 clients' type declarations, read as text: tests check the registry's
 * field names and the account pins against what the SDK documents, so a typo or a new ARN-valued
 * parameter is caught without a network call.
 */

/** The `@aws-sdk/` package behind each allowlisted service. */
const SDK_PACKAGE: Record<string, string> = {
  ce: 'client-cost-explorer',
  budgets: 'client-budgets',
  securityhub: 'client-securityhub',
  guardduty: 'client-guardduty',
  'access-analyzer': 'client-accessanalyzer',
  ec2: 'client-ec2',
  elasticloadbalancing: 'client-elastic-load-balancing-v2',
  autoscaling: 'client-auto-scaling',
  s3: 'client-s3',
  iam: 'client-iam',
  rds: 'client-rds',
  lambda: 'client-lambda',
  ecs: 'client-ecs',
  eks: 'client-eks',
  cloudwatch: 'client-cloudwatch',
  cloudtrail: 'client-cloudtrail',
  config: 'client-config-service',
  organizations: 'client-organizations',
  health: 'client-health',
  tag: 'client-resource-groups-tagging-api',
  'compute-optimizer': 'client-compute-optimizer',
  support: 'client-support',
  sts: 'client-sts',
};

/** The `dist-types` folder of a service's installed SDK client. */
function sdkTypesDir(service: string): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve(`@aws-sdk/${SDK_PACKAGE[service]}/package.json`)), 'dist-types');
}

/** Every model declaration of a service's SDK client, concatenated. */
export function sdkModelsText(service: string): string {
  const dir = join(sdkTypesDir(service), 'models');
  return readdirSync(dir)
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');
}

/** The declaration file of one SDK command (`<Operation>Command.d.ts`). */
export function sdkCommandText(service: string, operation: string): string {
  return readFileSync(join(sdkTypesDir(service), 'commands', `${operation}Command.d.ts`), 'utf8');
}
