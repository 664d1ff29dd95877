import { bedrockRegion, type SentinelConfig } from '../config/index.js';
// The Bedrock client's own file: the agents door never exports it (it is loaded lazily, bedrock only).
import { bedrockRuntimeEndpoint, createBedrockLlm } from '../agents/bedrock-llm.js';
import { LlmError } from '../agents/index.js';
import { fail, message, pass, withDeadline, type DoctorCheck } from './types.js';

/**
 * With PLAINFRA_LLM_PROVIDER=bedrock: the sentinel's AWS identity may invoke PLAINFRA_MODEL in its
 * region. The sentinel's role may do nothing but bedrock:InvokeModel* (no GetFoundationModel), so
 * the check is one InvokeModel call of at most one output token: the exact call the sentinel makes.
 */
export async function checkBedrockModel(config: SentinelConfig): Promise<DoctorCheck[]> {
  const region = bedrockRegion(config)!;
  const model = config.PLAINFRA_MODEL;
  const llm = createBedrockLlm({ region, endpoint: config.PLAINFRA_BEDROCK_ENDPOINT, maxRetries: 0, timeoutMs: 15_000 });
  try {
    await withDeadline('bedrock', 20_000, () =>
      llm.create({
        model,
        maxTokens: 1,
        system: 'plainfra doctor',
        tools: [],
        toolChoice: 'auto',
        messages: [{ role: 'user', content: [{ type: 'text', text: 'ping' }] }],
      }),
    );
    return [pass(NAME, `${model} answers InvokeModel in ${region}`)];
  } catch (err) {
    return [bedrockFailure(err, config, region)];
  }
}

const NAME = 'llm model (bedrock)';

/** Refused identity, unknown model, no credentials, or no route to Bedrock: each with its own fix. */
function bedrockFailure(err: unknown, config: SentinelConfig, region: string): DoctorCheck {
  const model = config.PLAINFRA_MODEL;
  const status = err instanceof LlmError ? err.status : undefined;
  if (status === 401 || status === 403) {
    const policyFix =
      `let the sentinel's role call bedrock:InvokeModel on ${model} (deploy/aws/plainfra-sentinel-bedrock.yaml, ` +
      'parameter ModelArns: the inference profile and every foundation model it routes to), ' +
      `and enable access to the model in the Bedrock console of ${region}`;
    return fail(NAME, `Bedrock refused the sentinel's AWS identity (HTTP ${status}): ${message(err)}`, policyFix);
  }
  if (status === 400 || status === 404) {
    return fail(
      NAME,
      `Bedrock rejected model "${model}" in ${region} (HTTP ${status}): ${message(err)}`,
      `set PLAINFRA_MODEL to a Bedrock model id or inference profile available in ${region} ` +
        `(aws bedrock list-inference-profiles --region ${region})`,
    );
  }
  if (/AWS credentials/.test(message(err))) {
    return fail(
      NAME,
      'no AWS credentials found by the default chain',
      'run the sentinel with its ECS task role (RoleArn of plainfra-sentinel-bedrock.yaml), ' +
        'or for development set AWS_PROFILE or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
    );
  }
  const endpoint = config.PLAINFRA_BEDROCK_ENDPOINT ?? bedrockRuntimeEndpoint(region);
  return fail(
    NAME,
    `Bedrock Runtime unreachable at ${endpoint}: ${message(err)}`,
    `check PLAINFRA_BEDROCK_ENDPOINT (${config.PLAINFRA_BEDROCK_ENDPOINT ?? `default ${endpoint}`}) ` +
      'and outbound HTTPS from the sentinel (or a bedrock-runtime VPC endpoint)',
  );
}
