/**
 * plainfra templates: `plainfra template check`, which holds every CloudFormation template we ship
 * (and any an operator edits) against today's CloudFormation resource specification.
 */
export { checkTemplate, type TemplateFinding } from './check.js';
export { checkTemplateFile, templateCheckCommand, TEMPLATE_CHECK_USAGE, type TemplateReport } from './command.js';
export { loadResourceSpec, type ResourceSpec } from './spec.js';
