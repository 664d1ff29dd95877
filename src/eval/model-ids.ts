/**
 * The Anthropic model behind a Bedrock model id, for what is known by Anthropic ids only (list
 * prices, the SDK's deprecation list). Bedrock names a model as a foundation model
 * (`anthropic.claude-sonnet-4-5-20250929-v1:0`), a cross-region inference profile (`us.`, `eu.`,
 * `apac.`, `global.` before it), or the ARN of either. An application inference profile or a
 * provisioned throughput ARN names the model by an opaque id (and provisioned throughput is billed
 * by the hour, not by token): no model is known for those.
 */
const BEDROCK_ANTHROPIC_ID = /^(?:[a-z]{2,6}\.)?anthropic\.(claude-[a-z0-9.-]+?)(?:-v\d+(?::[0-9a-z]+)*)?$/;
const NAMED_MODEL_ARN = /^arn:aws(?:-[a-z]+)*:bedrock:[a-z0-9-]+:(?:\d{12})?:(?:foundation-model|inference-profile)\/(.+)$/;

/** `claude-sonnet-4-5-20250929` for any Bedrock id of it; an Anthropic API id as it is; undefined when unknown. */
export function anthropicModelOf(model: string): string | undefined {
  if (model.startsWith('claude-')) return model;
  const id = NAMED_MODEL_ARN.exec(model)?.[1] ?? model;
  return BEDROCK_ANTHROPIC_ID.exec(id)?.[1];
}
