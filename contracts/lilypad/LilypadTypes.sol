// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title LilypadTypes
 * @notice The deal types of Lilypad's on-chain protocol, with the same field order and ABI encoding (so
 * `mediationRequest(Deal)` has Lilypad's selector and calldata layout). Written for this project.
 */
library LilypadTypes {
    /// Same order as Lilypad's AgreementState; only some states are reached by LilypadDealLedger.
    enum AgreementState {
        DealNegotiating,
        DealAgreed,
        ResultsSubmitted,
        ResultsAccepted,
        ResultsChecked,
        MediationAccepted,
        MediationRejected,
        TimeoutAgree,
        TimeoutSubmitResults,
        TimeoutJudgeResults,
        TimeoutMediateResults
    }

    struct DealMembers {
        address solver;
        address jobCreator;
        address resourceProvider;
        address[] mediators;
    }

    struct DealTimeout {
        uint256 timeout;
        uint256 collateral;
    }

    struct DealTimeouts {
        DealTimeout agree;
        DealTimeout submitResults;
        DealTimeout judgeResults;
        DealTimeout mediateResults;
    }

    struct DealPricing {
        uint256 instructionPrice;
        uint256 paymentCollateral;
        uint256 resultsCollateralMultiple;
        uint256 mediationFee;
    }

    struct Deal {
        string dealId;
        DealMembers members;
        DealTimeouts timeouts;
        DealPricing pricing;
    }

    struct Agreement {
        AgreementState state;
        uint256 resourceProviderAgreedAt;
        uint256 jobCreatorAgreedAt;
        uint256 dealCreatedAt;
        uint256 dealAgreedAt;
        uint256 resultsSubmittedAt;
        uint256 resultsAcceptedAt;
        uint256 resultsCheckedAt;
        uint256 mediationAcceptedAt;
        uint256 mediationRejectedAt;
        uint256 timeoutAgreeAt;
        uint256 timeoutSubmitResultsAt;
        uint256 timeoutJudgeResultsAt;
        uint256 timeoutMediateResultsAt;
    }
}

/// What the mediation handler calls back once a mediator decided (Lilypad's ILilypadMediationRequester ABI).
interface ILilypadMediationRequester {
    function mediationAcceptResult(string memory dealId) external;

    function mediationRejectResult(string memory dealId) external;
}

/// What the controller calls to start a mediation (Lilypad's ILilypadMediationHandler ABI).
interface ILilypadMediationHandler {
    function mediationRequest(LilypadTypes.Deal memory deal) external;
}
