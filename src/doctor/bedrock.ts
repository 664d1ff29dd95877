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
  const endpoint = config.PLAINFRA_BEDROCK_ENDPOINT ?? bedrockRuntimeEndpoint(region);
  const llm = createBedrockLlm({ region, endpoint: config.PLAINFRA_BEDROCK_ENDPOINT, maxRetries: 0, timeoutMs: 15_000 });
  const name = 'llm model (bedrock)';
  const policyFix = `let the sentinel's role call bedrock:InvokeModel on ${model} (deploy/aws/plainfra-sentinel-bedrock.yaml, parameter ModelArns: the inference profile and every foundation model it routes to), and enable access to the model in the Bedrock console of ${region}`;
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
    return [pass(name, `${model} answers InvokeModel in ${region}`)];
  } catch (err) {
    const status = err instanceof LlmError ? err.status : undefined;
    if (status === 401 || status === 403)
      return [fail(name, `Bedrock refused the sentinel's AWS identity (HTTP ${status}): ${message(err)}`, policyFix)];
    if (status === 400 || status === 404) {
      return [
        fail(
          name,
          `Bedrock rejected model "${model}" in ${region} (HTTP ${status}): ${message(err)}`,
          `set PLAINFRA_MODEL to a Bedrock model id or inference profile available in ${region} (aws bedrock list-inference-profiles --region ${region})`,
        ),
      ];
    }
    if (/AWS credentials/.test(message(err))) {
      return [
        fail(
          name,
          'no AWS credentials found by the default chain',
          'run the sentinel with its ECS task role (RoleArn of plainfra-sentinel-bedrock.yaml), or for development set AWS_PROFILE or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
        ),
      ];
    }
    return [
      fail(
        name,
        `Bedrock Runtime unreachable at ${endpoint}: ${message(err)}`,
        `check PLAINFRA_BEDROCK_ENDPOINT (${config.PLAINFRA_BEDROCK_ENDPOINT ?? `default ${endpoint}`}) and outbound HTTPS from the sentinel (or a bedrock-runtime VPC endpoint)`,
      ),
    ];
  }
}
