/** Workspaces, AWS accounts and channel bindings: who may ask about which account. */
export {
  addAccount,
  bindChannel,
  accountsForChannel,
  externalIdOf,
  newExternalId,
  AccountsError,
  type AddAccountInput,
  type BindInput,
  type ChannelScope,
  type BoundAccount,
  type AccountWithSecret,
} from './manage.js';
export { unbindChannel, listBindings, formatListing, type UnbindInput, type UnbindResult, type ChannelListing } from './bindings.js';
export { REFUSAL_REASONS, resolveScope, type RefusalReason } from './scope.js';
