import { z } from 'zod';

/**
 * Which service the sentinel's model calls go to. `anthropic`: the Anthropic API with
 * ANTHROPIC_API_KEY. `bedrock`: Amazon Bedrock in the operator's own AWS account, signed with the
 * sentinel's IAM identity from the AWS default credential chain (an ECS task role in production),
 * for companies that may not send account data to a third-party API.
 */
export const LLM_PROVIDERS = ['anthropic', 'bedrock'] as const;
export type LlmProvider = (typeof LLM_PROVIDERS)[number];

/** Bedrock's key for an API key ("bearer token"); plainfra signs with IAM only, so every role refuses it. */
export const BEDROCK_API_KEY_VAR = 'AWS_BEARER_TOKEN_BEDROCK';

/**
 * Bedrock ids of Anthropic models: a foundation model (`anthropic.claude-…`), a cross-region
 * inference profile (`us.anthropic.claude-…`, `eu.`, `apac.`, `global.`…), or the ARN of a
 * foundation model, (application) inference profile or provisioned throughput.
 */
const BEDROCK_MODEL_ID = /^(?:[a-z]{2,6}\.)?anthropic\.[a-z0-9][a-z0-9.:-]*$/;
const BEDROCK_RESOURCE_TYPES = ['foundation-model', 'inference-profile', 'application-inference-profile', 'provisioned-model'];
const BEDROCK_MODEL_ARN = new RegExp(
  `^arn:aws(?:-[a-z]+)*:bedrock:[a-z0-9-]+:(?:\\d{12})?:(?:${BEDROCK_RESOURCE_TYPES.join('|')})/[A-Za-z0-9.:_-]+$`,
);
export function isBedrockModelId(model: string): boolean {
  return BEDROCK_MODEL_ID.test(model) || BEDROCK_MODEL_ARN.test(model);
}

const AWS_REGION_NAME = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;
const regionMessage = (name: string) => `${name} must be an AWS region name, e.g. us-east-1 or eu-central-1`;

/** The sentinel's provider settings (spread into its schema in env.ts, checked by refineLlmProvider). */
export const llmProviderFields = {
  PLAINFRA_LLM_PROVIDER: z
    .enum(LLM_PROVIDERS, {
      message: 'PLAINFRA_LLM_PROVIDER must be anthropic (the Anthropic API) or bedrock (Amazon Bedrock in your AWS account)',
    })
    .default('anthropic'),
  /** Required with the anthropic provider, refused with bedrock (see forbiddenForSentinel). */
  ANTHROPIC_API_KEY: z.string().min(1).optional(),
  ANTHROPIC_BASE_URL: z.string().url().optional(),
  /** The region the sentinel calls Bedrock in; PLAINFRA_BEDROCK_REGION wins over AWS_REGION. */
  AWS_REGION: z.string().regex(AWS_REGION_NAME, regionMessage('AWS_REGION')).optional(),
  PLAINFRA_BEDROCK_REGION: z.string().regex(AWS_REGION_NAME, regionMessage('PLAINFRA_BEDROCK_REGION')).optional(),
  /**
   * Bedrock Runtime endpoint instead of `https://bedrock-runtime.<region>.amazonaws.com`: a VPC
   * interface endpoint's DNS name (traffic that never leaves the VPC), or a local server in tests.
   */
  PLAINFRA_BEDROCK_ENDPOINT: z
    .string()
    .url('PLAINFRA_BEDROCK_ENDPOINT must be a URL, e.g. https://bedrock-runtime.us-east-1.amazonaws.com')
    .optional(),
};

interface ProviderSettings {
  PLAINFRA_LLM_PROVIDER: LlmProvider;
  PLAINFRA_MODEL: string;
  ANTHROPIC_API_KEY?: string | undefined;
  ANTHROPIC_BASE_URL?: string | undefined;
  AWS_REGION?: string | undefined;
  PLAINFRA_BEDROCK_REGION?: string | undefined;
  PLAINFRA_BEDROCK_ENDPOINT?: string | undefined;
}

/** The region Bedrock is called in (validated present at start-up when the provider is bedrock). */
export function bedrockRegion(config: Pick<ProviderSettings, 'AWS_REGION' | 'PLAINFRA_BEDROCK_REGION'>): string | undefined {
  return config.PLAINFRA_BEDROCK_REGION ?? config.AWS_REGION;
}

/** Cross-field rules of the provider choice, each issue naming the variable to set or unset. */
export function refineLlmProvider(config: ProviderSettings, ctx: z.RefinementCtx): void {
  const issue = (variable: string, message: string) => ctx.addIssue({ code: 'custom', path: [variable], message });
  if (config.PLAINFRA_LLM_PROVIDER === 'anthropic') {
    if (!config.ANTHROPIC_API_KEY) {
      issue(
        'ANTHROPIC_API_KEY',
        'required with PLAINFRA_LLM_PROVIDER=anthropic (the default): set it to a key from console.anthropic.com, ' +
          'or set PLAINFRA_LLM_PROVIDER=bedrock to use Amazon Bedrock in your AWS account.',
      );
    }
    if (isBedrockModelId(config.PLAINFRA_MODEL)) {
      issue(
        'PLAINFRA_MODEL',
        `${config.PLAINFRA_MODEL} is an Amazon Bedrock model id: set PLAINFRA_LLM_PROVIDER=bedrock, ` +
          'or set PLAINFRA_MODEL to an Anthropic API model id such as claude-sonnet-5-5.',
      );
    }
    return;
  }
  if (!bedrockRegion(config)) {
    issue(
      'AWS_REGION',
      'required with PLAINFRA_LLM_PROVIDER=bedrock: set AWS_REGION (or PLAINFRA_BEDROCK_REGION) ' +
        'to the region Bedrock is called in, e.g. us-east-1.',
    );
  }
  if (!isBedrockModelId(config.PLAINFRA_MODEL)) {
    issue(
      'PLAINFRA_MODEL',
      `"${config.PLAINFRA_MODEL}" is not an Amazon Bedrock model id: ` +
        'with PLAINFRA_LLM_PROVIDER=bedrock set PLAINFRA_MODEL to a Bedrock id such as anthropic.claude-sonnet-4-5-20250929-v1:0, ' +
        'an inference profile such as us.anthropic.claude-sonnet-4-5-20250929-v1:0, or an inference profile ARN.',
    );
  }
  if (config.ANTHROPIC_BASE_URL) {
    issue(
      'ANTHROPIC_BASE_URL',
      'applies to PLAINFRA_LLM_PROVIDER=anthropic only: unset it, and set PLAINFRA_BEDROCK_ENDPOINT for a Bedrock VPC endpoint instead.',
    );
  }
}

/**
 * What the sentinel must not hold, by provider. With anthropic it holds the API key and nothing
 * that reaches AWS. With bedrock it holds only an AWS identity from the default chain (the
 * variables of `awsCredentialVars` are allowed; the IAM policy limits it to bedrock:InvokeModel*),
 * and no Anthropic API key: with one, account data could leave the customer's AWS account.
 */
export function forbiddenForSentinel(
  env: NodeJS.ProcessEnv,
  lists: { anthropic: readonly string[]; slack: readonly string[]; llmSecrets: readonly string[] },
): { names: readonly string[]; why: string } {
  if (env.PLAINFRA_LLM_PROVIDER === 'bedrock') {
    return {
      names: [...lists.slack, ...lists.llmSecrets],
      why:
        'with PLAINFRA_LLM_PROVIDER=bedrock the sentinel calls the model through Amazon Bedrock, ' +
        'signed with its IAM role from the AWS default credential chain; ' +
        'an Anthropic API key (or a Bedrock API key) would let it send account data elsewhere, and it must never hold Slack tokens.',
    };
  }
  return {
    names: [...lists.anthropic, BEDROCK_API_KEY_VAR],
    why:
      'the sentinel holds the LLM key only; it must not be able to touch AWS or Slack ' +
      '(to call the model through Amazon Bedrock instead, set PLAINFRA_LLM_PROVIDER=bedrock).',
  };
}
