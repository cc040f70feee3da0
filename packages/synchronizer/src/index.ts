/**
 * @dsync/synchronizer: the RemoteDataSynchronization domain.
 *
 * Built so far: the outcome vocabulary provider clients classify answers into, and the
 * error policy that decides what the engine does with each. The provider clients, the
 * engine with its limiters and the Sync Controller come with their own issue.
 */
export type { Outcome, OutcomeKind } from './outcome.js';
export {
  decide,
  DEFAULT_ERROR_POLICY,
  type Decision,
  type ErrorPolicyOptions,
  type PolicyContext,
} from './error-policy.js';
