/**
 * The parts of Lilypad's on-chain ABI a mediator uses (Lilypad-Tech/lilypad, hardhat/contracts:
 * LilypadMediationRandom / ILilypadMediationHandler, LilypadController, LilypadStorage), as human-readable
 * fragments: the adapter works against Lilypad's deployments and against this project's own contracts
 * (contracts/lilypad), whose ABI the tests check against these fragments.
 */

const DEAL_MEMBERS = 'tuple(address solver, address jobCreator, address resourceProvider, address[] mediators) members';
const TIMEOUT = (name: string): string => `tuple(uint256 timeout, uint256 collateral) ${name}`;
const DEAL_TIMEOUTS = `tuple(${TIMEOUT('agree')}, ${TIMEOUT('submitResults')}, ${TIMEOUT('judgeResults')}, ${TIMEOUT('mediateResults')}) timeouts`;
const DEAL_PRICING =
  'tuple(uint256 instructionPrice, uint256 paymentCollateral, uint256 resultsCollateralMultiple, uint256 mediationFee) pricing';
/** SharedStructs.Deal */
export const DEAL_TUPLE = `tuple(string dealId, ${DEAL_MEMBERS}, ${DEAL_TIMEOUTS}, ${DEAL_PRICING})`;
/** SharedStructs.Agreement */
export const AGREEMENT_TUPLE =
  'tuple(uint8 state, uint256 resourceProviderAgreedAt, uint256 jobCreatorAgreedAt, uint256 dealCreatedAt, uint256 dealAgreedAt, ' +
  'uint256 resultsSubmittedAt, uint256 resultsAcceptedAt, uint256 resultsCheckedAt, uint256 mediationAcceptedAt, ' +
  'uint256 mediationRejectedAt, uint256 timeoutAgreeAt, uint256 timeoutSubmitResultsAt, uint256 timeoutJudgeResultsAt, ' +
  'uint256 timeoutMediateResultsAt)';

/** The mediation handler (LilypadMediationRandom). */
export const MEDIATION_HANDLER_ABI = [
  'event MediationRequested(string dealId, address mediator)',
  `function mediationRequest(${DEAL_TUPLE} deal)`,
  'function getMediator(string dealId) view returns (address)',
  'function mediationAcceptResult(string dealId)',
  'function mediationRejectResult(string dealId)',
  'function getControllerAddress() view returns (address)',
] as const;

/** The controller's pointer to storage, and storage's deal views. */
export const CONTROLLER_ABI = ['function getStorageAddress() view returns (address)'] as const;
export const STORAGE_ABI = [
  `function getDeal(string dealId) view returns (${DEAL_TUPLE})`,
  `function getAgreement(string dealId) view returns (${AGREEMENT_TUPLE})`,
] as const;

/** Lilypad's AgreementState, in order. */
export const AGREEMENT_STATES = [
  'DealNegotiating',
  'DealAgreed',
  'ResultsSubmitted',
  'ResultsAccepted',
  'ResultsChecked',
  'MediationAccepted',
  'MediationRejected',
  'TimeoutAgree',
  'TimeoutSubmitResults',
  'TimeoutJudgeResults',
  'TimeoutMediateResults',
] as const;
export type AgreementState = (typeof AGREEMENT_STATES)[number];

/** A Lilypad deal as the adapter reads it. */
export interface LilypadDeal {
  dealId: string;
  members: { solver: string; jobCreator: string; resourceProvider: string; mediators: string[] };
  timeouts: Record<'agree' | 'submitResults' | 'judgeResults' | 'mediateResults', { timeout: bigint; collateral: bigint }>;
  pricing: { instructionPrice: bigint; paymentCollateral: bigint; resultsCollateralMultiple: bigint; mediationFee: bigint };
}
