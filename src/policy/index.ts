/**
 * plainfra policy: the `plainfra policy check` linter and the helpers that keep the read-only role
 * template in step with the code allowlist. Import from here, not from the files behind it.
 */
export { checkPolicyDocuments } from './check.js';
export type { AllowedAction, CheckOptions, PolicyCheckReport, PolicyFinding, RuleId, Severity } from './check.js';
export { checkPolicyFile, policyCheckCommand, POLICY_CHECK_USAGE } from './command.js';
export type { CommandIo } from './command.js';
export { formatReport, renderAllowedActionsSnapshot, SNAPSHOT_UPDATE_COMMAND } from './report.js';
export { extractPolicyDocuments, loadPolicyFile, loadPolicyInput, parsePolicySource, PolicyInputError } from './load.js';
export { templateParameters, templateProblems, type TemplateParameter, type TemplateProblem } from './template.js';
export type { PolicyDocumentInput, PolicyDocumentKind } from './load.js';
export { DATA_PLANE_ACTIONS, dataPlaneActionNames, findDataPlaneAction } from './data-plane-actions.js';
export type { DataPlaneAction } from './data-plane-actions.js';
export {
  actionPatternMatches,
  expandActionPattern,
  hasWildcard,
  isReadOnlyAccessLevel,
  lookupAction,
  READ_ONLY_ACCESS_LEVELS,
} from './iam-actions.js';
export type { IamActionInfo } from './iam-actions.js';
export {
  diffActionLists,
  formatActionListDiff,
  renderAllowedActionsBlock,
  renderDataPlaneDenyBlock,
  renderRoleTemplate,
  replaceGeneratedBlock,
  ROLE_TEMPLATE_PATH,
  ROLE_TEMPLATE_UPDATE_COMMAND,
} from './render-role-template.js';
export type { ActionListDiff, GeneratedBlockName } from './render-role-template.js';
