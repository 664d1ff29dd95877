import { anthropicModelOf } from './model-ids.js';

/**
 * An estimate of what an eval run cost: list prices in USD per million tokens for current Claude
 * models, as published by Anthropic when this table was written. They change; an operator's bill
 * (volume discounts, batch, regional endpoints) can differ. Cache writes are priced at 1.25× input
 * (5-minute cache) and cache reads at 0.1× input, as the API prices them. A model missing here
 * gets no cost (printed as "n/a"), never a guess. A Bedrock id is priced as the Anthropic model it
 * names (Bedrock's on-demand list prices for Claude follow Anthropic's; a regional inference
 * profile may cost more), and one that names no known model (an application inference profile, a
 * provisioned throughput) gets none.
 */
export interface ModelPrice {
  input: number;
  output: number;
}

export const PRICES_PER_MTOK: Record<string, ModelPrice> = {
  // The 5-series rows assume the tier prices of the 4.5 series (Opus $5/$25, Sonnet $3/$15): check
  // them against Anthropic's price list before relying on the cost column for these models.
  'claude-opus-5-5': { input: 5, output: 25 },
  'claude-opus-5': { input: 5, output: 25 },
  'claude-sonnet-5-5': { input: 3, output: 15 },
  'claude-opus-4-5': { input: 5, output: 25 },
  'claude-opus-4-1': { input: 15, output: 75 },
  'claude-sonnet-4-5': { input: 3, output: 15 },
  'claude-sonnet-4': { input: 3, output: 15 },
  'claude-haiku-4-5': { input: 1, output: 5 },
};

export interface TokenCounts {
  input: number;
  output: number;
  cacheRead: number;
  cacheCreation: number;
}

/** A dated id (claude-sonnet-4-5-20250929) is priced as its alias; a Bedrock id as the model it names. */
export function priceOf(model: string): ModelPrice | undefined {
  const anthropic = anthropicModelOf(model);
  if (!anthropic) return undefined;
  return PRICES_PER_MTOK[anthropic] ?? PRICES_PER_MTOK[anthropic.replace(/-\d{8}$/, '')];
}

export function estimateCostUsd(model: string, t: TokenCounts): number | undefined {
  const p = priceOf(model);
  if (!p) return undefined;
  return (t.input * p.input + t.cacheCreation * p.input * 1.25 + t.cacheRead * p.input * 0.1 + t.output * p.output) / 1e6;
}
