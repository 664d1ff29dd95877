/**
 * Today's CloudFormation resource specification, from `@aws-cdk/aws-service-spec` (Apache-2.0, kept
 * current by the AWS CDK team from the CloudFormation registry schemas). We read it instead of the npm
 * `cfn-lint` package, whose bundled spec is years old and rejects valid properties such as a role's
 * `Description`. Loading takes a few seconds, so it happens once per process and only when asked.
 */
import { loadAwsServiceSpec } from '@aws-cdk/aws-service-spec';

/** A property's type, as the spec states it (primitive, list, map, named sub-type or union). */
export type SpecType =
  | { type: 'string' | 'number' | 'integer' | 'boolean' | 'json' | 'date-time' | 'null' | 'tag' }
  | { type: 'array' | 'map'; element: SpecType }
  | { type: 'ref'; reference: { $ref: string } }
  | { type: 'union'; types: SpecType[] };

export interface SpecProperty {
  readonly required?: boolean;
  readonly type: SpecType;
}

export interface SpecShape {
  readonly name: string;
  readonly properties: Record<string, SpecProperty>;
}

export interface SpecResource extends SpecShape {
  readonly cloudFormationType: string;
  readonly attributes: Record<string, unknown>;
}

/** The two lookups the template check needs, whatever the spec library's internals. */
export interface ResourceSpec {
  resource(cloudFormationType: string): SpecResource | undefined;
  typeDefinition(id: string): SpecShape | undefined;
}

let loading: Promise<ResourceSpec> | undefined;

/** Loads the bundled specification once per process. */
export function loadResourceSpec(): Promise<ResourceSpec> {
  loading ??= loadAwsServiceSpec().then((db) => ({
    resource(cloudFormationType) {
      const found = db.lookup('resource', 'cloudFormationType', 'equals', cloudFormationType);
      return found.length === 1 ? (found[0] as unknown as SpecResource) : undefined;
    },
    typeDefinition(id) {
      try {
        return db.get('typeDefinition', id) as unknown as SpecShape;
      } catch {
        return undefined;
      }
    },
  }));
  return loading;
}
