/**
 * `plainfra template check`: a CloudFormation template against today's resource specification.
 * It catches what makes a stack fail at deploy time or, worse, deploy something else than meant:
 * unknown resource types or properties (a typo is silently ignored by nothing: CloudFormation rejects
 * it, but only after the operator has waited for a rollback), missing required properties, values of
 * the wrong shape, `Ref`/`!GetAtt`/`!Sub` names that do not exist, attributes a resource does not
 * have, and conditions nobody declared. It does not grade IAM: that is `plainfra policy check`.
 */
import type { ResourceSpec, SpecShape, SpecType } from './spec.js';

export interface TemplateFinding {
  /** Where, as a path into the template: `Resources.BotService.Properties.LoadBalancers[0].TargetGroupArn`. */
  readonly path: string;
  readonly message: string;
}

const TOP_LEVEL = new Set([
  'AWSTemplateFormatVersion',
  'Description',
  'Metadata',
  'Parameters',
  'Rules',
  'Mappings',
  'Conditions',
  'Transform',
  'Resources',
  'Outputs',
]);
const RESOURCE_KEYS = new Set([
  'Type',
  'Properties',
  'DependsOn',
  'Condition',
  'DeletionPolicy',
  'UpdateReplacePolicy',
  'UpdatePolicy',
  'CreationPolicy',
  'Metadata',
]);
const PSEUDO_PARAMETERS = new Set([
  'AWS::AccountId',
  'AWS::NotificationARNs',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
]);
const PARAMETER_TYPES =
  /^(String|Number|List<Number>|CommaDelimitedList|AWS::[A-Za-z0-9:]+|List<AWS::[A-Za-z0-9:]+>|AWS::SSM::Parameter::Value<.+>)$/;
const INTRINSICS = new Set([
  'Ref',
  'Condition',
  'Fn::Sub',
  'Fn::GetAtt',
  'Fn::If',
  'Fn::Join',
  'Fn::Select',
  'Fn::Split',
  'Fn::FindInMap',
  'Fn::Equals',
  'Fn::And',
  'Fn::Or',
  'Fn::Not',
  'Fn::Base64',
  'Fn::Cidr',
  'Fn::ImportValue',
  'Fn::GetAZs',
  'Fn::Transform',
  'Fn::Length',
  'Fn::ToJsonString',
]);

type Json = unknown;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `{ "Fn::Sub": … }`-like: one key naming an intrinsic function. Its value is computed at deploy time. */
function intrinsicOf(value: Json): [string, Json] | undefined {
  if (!isRecord(value)) return undefined;
  const keys = Object.keys(value);
  return keys.length === 1 && INTRINSICS.has(keys[0]) ? [keys[0], value[keys[0]]] : undefined;
}

/** What a template declares, for checking the names that intrinsics use. */
interface Names {
  readonly parameters: Set<string>;
  readonly resources: Map<string, string>;
  readonly conditions: Set<string>;
  readonly mappings: Set<string>;
}

/** The shape a value of spec type `tag` must have: a Key and a Value. */
const TAG: SpecShape = {
  name: 'Tag',
  properties: { Key: { required: true, type: { type: 'string' } }, Value: { required: true, type: { type: 'string' } } },
};

class Checker {
  readonly findings: TemplateFinding[] = [];

  constructor(
    private readonly spec: ResourceSpec,
    private readonly names: Names,
  ) {}

  report(path: string, message: string): void {
    this.findings.push({ path, message });
  }

  /** The names `Ref`, `!GetAtt`, `!Sub` and `!If` use must exist; recurse into every intrinsic's arguments. */
  intrinsics(value: Json, path: string): void {
    if (Array.isArray(value)) {
      value.forEach((v, i) => this.intrinsics(v, `${path}[${i}]`));
      return;
    }
    if (!isRecord(value)) return;
    for (const [key, arg] of Object.entries(value)) {
      const at = `${path}.${key}`;
      if (key === 'Ref') this.ref(arg, at);
      else if (key === 'Fn::GetAtt') this.getAtt(arg, at);
      else if (key === 'Fn::Sub') this.sub(arg, at);
      else if (key === 'Fn::If') this.conditionName(Array.isArray(arg) ? arg[0] : undefined, at);
      else if (key === 'Condition' && typeof arg === 'string' && Object.keys(value).length === 1) this.conditionName(arg, at);
      else if (key === 'Fn::FindInMap' && Array.isArray(arg) && typeof arg[0] === 'string' && !this.names.mappings.has(arg[0])) {
        this.report(at, `mapping "${arg[0]}" is not declared under Mappings`);
      }
      this.intrinsics(arg, at);
    }
  }

  private ref(name: Json, path: string): void {
    if (typeof name !== 'string') return this.report(path, 'Ref takes the name of a parameter or resource');
    if (PSEUDO_PARAMETERS.has(name) || this.names.parameters.has(name) || this.names.resources.has(name)) return;
    this.report(path, `Ref "${name}" names no parameter, resource or pseudo parameter`);
  }

  private getAtt(arg: Json, path: string): void {
    const [resource, attribute] = Array.isArray(arg) ? arg : [];
    if (typeof resource !== 'string' || typeof attribute !== 'string') return;
    this.attribute(resource, attribute, path);
  }

  private attribute(resource: string, attribute: string, path: string): void {
    const type = this.names.resources.get(resource);
    if (type === undefined) return this.report(path, `!GetAtt ${resource}.${attribute}: no resource "${resource}" in this template`);
    if (type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource') return;
    const spec = this.spec.resource(type);
    if (spec && !(attribute in spec.attributes)) {
      const known = Object.keys(spec.attributes).sort().join(', ') || 'none';
      this.report(path, `!GetAtt ${resource}.${attribute}: ${type} has no attribute "${attribute}" (it has: ${known})`);
    }
  }

  /** `${Name}` and `${Resource.Attribute}` inside a `!Sub` string; `${!Literal}` is an escape. */
  private sub(arg: Json, path: string): void {
    const [text, variables] = Array.isArray(arg) ? arg : [arg, {}];
    if (typeof text !== 'string') return;
    const local = new Set(isRecord(variables) ? Object.keys(variables) : []);
    for (const match of text.matchAll(/\$\{([^}!][^}]*)\}/g)) {
      const name = match[1].trim();
      if (local.has(name) || PSEUDO_PARAMETERS.has(name) || this.names.parameters.has(name) || this.names.resources.has(name)) continue;
      const dot = name.indexOf('.');
      if (dot > 0 && this.names.resources.has(name.slice(0, dot))) {
        this.attribute(name.slice(0, dot), name.slice(dot + 1), path);
        continue;
      }
      this.report(path, `!Sub uses \${${name}}, which names no parameter, resource or pseudo parameter`);
    }
  }

  conditionName(name: Json, path: string): void {
    if (typeof name === 'string' && !this.names.conditions.has(name))
      this.report(path, `condition "${name}" is not declared under Conditions`);
  }

  /** A value against its spec type. Intrinsics stand for any type: their result is known at deploy time. */
  value(value: Json, type: SpecType, path: string): void {
    if (intrinsicOf(value)) return;
    switch (type.type) {
      case 'json':
      case 'null':
        return;
      case 'string':
      case 'date-time':
      case 'number':
      case 'integer':
      case 'boolean':
        return this.scalar(value, type.type, path);
      case 'tag':
        return this.shape(value, TAG, path);
      case 'array':
        if (!Array.isArray(value)) return this.report(path, `expected a list, got ${describe(value)}`);
        value.forEach((v, i) => this.value(v, type.element, `${path}[${i}]`));
        return;
      case 'map':
        if (!isRecord(value)) return this.report(path, `expected a map, got ${describe(value)}`);
        for (const [k, v] of Object.entries(value)) this.value(v, type.element, `${path}.${k}`);
        return;
      case 'ref': {
        const shape = this.spec.typeDefinition(type.reference.$ref);
        if (shape) this.shape(value, shape, path);
        return;
      }
      case 'union':
        return this.union(value, type.types, path);
    }
  }

  /** Strings, numbers and booleans as CloudFormation reads them: numbers and booleans may be written as strings. */
  private scalar(value: Json, type: 'string' | 'date-time' | 'number' | 'integer' | 'boolean', path: string): void {
    switch (type) {
      case 'string':
      case 'date-time':
        if (!['string', 'number', 'boolean'].includes(typeof value)) this.report(path, `expected a string, got ${describe(value)}`);
        return;
      case 'number':
      case 'integer':
        if (typeof value === 'number' || (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))) return;
        this.report(path, `expected a number, got ${describe(value)}`);
        return;
      case 'boolean':
        if (typeof value === 'boolean' || value === 'true' || value === 'false') return;
        this.report(path, `expected true or false, got ${describe(value)}`);
        return;
    }
  }

  /** Accept the value if any member type accepts it without findings. */
  private union(value: Json, members: readonly SpecType[], path: string): void {
    for (const member of members) {
      const probe = new Checker(this.spec, this.names);
      probe.value(value, member, path);
      if (probe.findings.length === 0) return;
    }
    this.report(path, `${describe(value)} matches none of the types this property accepts`);
  }

  /** An object against a property set: no unknown keys, every required key present. */
  shape(value: Json, shape: SpecShape, path: string): void {
    if (!isRecord(value)) return this.report(path, `expected a ${shape.name} object, got ${describe(value)}`);
    for (const [name, v] of Object.entries(value)) {
      const property = shape.properties[name];
      if (!property) {
        this.report(
          `${path}.${name}`,
          `${shape.name} has no property "${name}" (known: ${Object.keys(shape.properties).sort().join(', ')})`,
        );
        continue;
      }
      this.value(v, property.type, `${path}.${name}`);
    }
    for (const [name, property] of Object.entries(shape.properties)) {
      if (property.required && !(name in value)) this.report(path, `${shape.name} requires "${name}"`);
    }
  }
}

function describe(value: Json): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (isRecord(value)) return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function namesOf(template: Record<string, unknown>): Names {
  const section = (key: string) => (isRecord(template[key]) ? (template[key] as Record<string, unknown>) : {});
  const resources = new Map<string, string>();
  for (const [name, r] of Object.entries(section('Resources')))
    resources.set(name, isRecord(r) && typeof r.Type === 'string' ? r.Type : '');
  return {
    parameters: new Set(Object.keys(section('Parameters'))),
    resources,
    conditions: new Set(Object.keys(section('Conditions'))),
    mappings: new Set(Object.keys(section('Mappings'))),
  };
}

/** Every finding for one parsed template; empty means the template matches the specification. */
export function checkTemplate(template: unknown, spec: ResourceSpec): TemplateFinding[] {
  if (!isRecord(template) || !isRecord(template.Resources)) {
    return [{ path: '', message: 'not a CloudFormation template: expected a mapping with a Resources section' }];
  }
  const names = namesOf(template);
  const checker = new Checker(spec, names);
  for (const key of Object.keys(template)) {
    if (!TOP_LEVEL.has(key)) checker.report(key, `unknown top-level section "${key}"`);
  }
  for (const [name, parameter] of Object.entries(isRecord(template.Parameters) ? template.Parameters : {})) {
    const type = isRecord(parameter) ? parameter.Type : undefined;
    if (typeof type !== 'string' || !PARAMETER_TYPES.test(type))
      checker.report(`Parameters.${name}`, `parameter type ${JSON.stringify(type)} is not a CloudFormation parameter type`);
  }
  checker.intrinsics(template.Conditions ?? {}, 'Conditions');
  for (const [name, resource] of Object.entries(template.Resources)) checkResource(checker, spec, names, name, resource);
  for (const [name, output] of Object.entries(isRecord(template.Outputs) ? template.Outputs : {})) {
    const path = `Outputs.${name}`;
    if (!isRecord(output) || !('Value' in output)) checker.report(path, 'an output needs a Value');
    if (isRecord(output) && typeof output.Condition === 'string') checker.conditionName(output.Condition, `${path}.Condition`);
    checker.intrinsics(isRecord(output) ? output.Value : undefined, `${path}.Value`);
  }
  return checker.findings;
}

function checkResource(checker: Checker, spec: ResourceSpec, names: Names, name: string, resource: unknown): void {
  const path = `Resources.${name}`;
  if (!isRecord(resource)) return checker.report(path, 'a resource must be a mapping with a Type');
  for (const key of Object.keys(resource)) {
    if (!RESOURCE_KEYS.has(key)) checker.report(`${path}.${key}`, `unknown resource attribute "${key}"`);
  }
  if (typeof resource.Condition === 'string') checker.conditionName(resource.Condition, `${path}.Condition`);
  const dependsOn =
    typeof resource.DependsOn === 'string' ? [resource.DependsOn] : Array.isArray(resource.DependsOn) ? resource.DependsOn : [];
  for (const target of dependsOn) {
    if (typeof target !== 'string' || !names.resources.has(target))
      checker.report(`${path}.DependsOn`, `DependsOn names no resource: ${JSON.stringify(target)}`);
  }
  const type = resource.Type;
  if (typeof type !== 'string') return checker.report(`${path}.Type`, 'a resource needs a Type');
  checker.intrinsics(resource.Properties ?? {}, `${path}.Properties`);
  if (type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource') return;
  const resourceSpec = spec.resource(type);
  if (!resourceSpec) return checker.report(`${path}.Type`, `${type} is not a CloudFormation resource type`);
  checker.shape(resource.Properties ?? {}, { name: type, properties: resourceSpec.properties }, `${path}.Properties`);
}
