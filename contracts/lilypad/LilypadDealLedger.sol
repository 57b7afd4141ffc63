// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {LilypadTypes, ILilypadMediationHandler, ILilypadMediationRequester} from "./LilypadTypes.sol";

/**
 * @title LilypadDealLedger
 * @notice The part of a Lilypad controller and storage a mediator touches, written for this project's tests and
 * demo: deals, results, `checkResult` (which asks the mediation handler for a mediator) and the two mediation
 * callbacks, with the state machine of Lilypad's controller (ResultsSubmitted → ResultsChecked →
 * MediationAccepted | MediationRejected). It answers Lilypad's storage views (`getStorageAddress`, `getDeal`,
 * `getAgreement`, `isState`), which is how a mediator learns a deal's parties and whether it was already judged.
 * Payments and timeouts are out of its scope.
 */
contract LilypadDealLedger is ILilypadMediationRequester {
    address public immutable mediationAddress;
    mapping(string => LilypadTypes.Deal) private deals;
    mapping(string => LilypadTypes.Agreement) private agreements;
    mapping(string => bool) private known;

    event DealAgreed(string dealId);
    event ResultAdded(string dealId, string resultsId);
    event ResultChecked(string dealId);
    event MediationDecided(string dealId, bool accepted);

    constructor(address _mediationAddress) {
        require(_mediationAddress != address(0), "Mediation address");
        mediationAddress = _mediationAddress;
    }

    /// Both parties agreed off-chain; either of them records the deal.
    function agreeDeal(LilypadTypes.Deal memory deal) external {
        require(!known[deal.dealId], "Deal exists");
        // solhint-disable-next-line avoid-tx-origin
        require(deal.members.jobCreator == tx.origin || deal.members.resourceProvider == tx.origin, "Only JC or RP");
        known[deal.dealId] = true;
        deals[deal.dealId] = deal;
        LilypadTypes.Agreement storage a = agreements[deal.dealId];
        a.state = LilypadTypes.AgreementState.DealAgreed;
        a.dealCreatedAt = block.number;
        a.dealAgreedAt = block.number;
        emit DealAgreed(deal.dealId);
    }

    function addResult(string memory dealId, string memory resultsId) external {
        require(isState(dealId, LilypadTypes.AgreementState.DealAgreed), "DealAgreed");
        // solhint-disable-next-line avoid-tx-origin
        require(deals[dealId].members.resourceProvider == tx.origin, "Only RP");
        agreements[dealId].state = LilypadTypes.AgreementState.ResultsSubmitted;
        agreements[dealId].resultsSubmittedAt = block.number;
        emit ResultAdded(dealId, resultsId);
    }

    /// The job creator disputes the result: the mediation handler picks a mediator.
    function checkResult(string memory dealId) external {
        require(isState(dealId, LilypadTypes.AgreementState.ResultsSubmitted), "ResultsSubmitted");
        // solhint-disable-next-line avoid-tx-origin
        require(deals[dealId].members.jobCreator == tx.origin, "Only JC");
        agreements[dealId].state = LilypadTypes.AgreementState.ResultsChecked;
        agreements[dealId].resultsCheckedAt = block.number;
        emit ResultChecked(dealId);
        ILilypadMediationHandler(mediationAddress).mediationRequest(deals[dealId]);
    }

    function mediationAcceptResult(string memory dealId) external override {
        _canMediate(dealId);
        agreements[dealId].state = LilypadTypes.AgreementState.MediationAccepted;
        agreements[dealId].mediationAcceptedAt = block.number;
        emit MediationDecided(dealId, true);
    }

    function mediationRejectResult(string memory dealId) external override {
        _canMediate(dealId);
        agreements[dealId].state = LilypadTypes.AgreementState.MediationRejected;
        agreements[dealId].mediationRejectedAt = block.number;
        emit MediationDecided(dealId, false);
    }

    function _canMediate(string memory dealId) private view {
        require(mediationAddress == msg.sender, "Only mediation");
        require(isState(dealId, LilypadTypes.AgreementState.ResultsChecked), "ResultsChecked");
    }

    // ---- Lilypad storage views

    function getStorageAddress() external view returns (address) {
        return address(this);
    }

    function getMediationAddress() external view returns (address) {
        return mediationAddress;
    }

    function hasDeal(string memory dealId) public view returns (bool) {
        return known[dealId];
    }

    function getDeal(string memory dealId) external view returns (LilypadTypes.Deal memory) {
        return deals[dealId];
    }

    function getAgreement(string memory dealId) external view returns (LilypadTypes.Agreement memory) {
        return agreements[dealId];
    }

    function isState(string memory dealId, LilypadTypes.AgreementState state) public view returns (bool) {
        return known[dealId] && agreements[dealId].state == state;
    }
}
