/**
 * plainfra templates: `plainfra template check`, which holds every CloudFormation template we ship
 * (and any an operator edits) against today's CloudFormation resource specification.
 */
export { templateCheckCommand } from './command.js';
