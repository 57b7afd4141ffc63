// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {LilypadTypes, ILilypadMediationHandler, ILilypadMediationRequester} from "./LilypadTypes.sol";

/**
 * @title LilypadMediation
 * @notice A mediation handler with the external ABI and behaviour of Lilypad's LilypadMediationRandom, written
 * for this project to test mediators against:
 *  - the controller calls `mediationRequest(deal)`; one of the deal's mediators is picked and
 *    `MediationRequested(dealId, mediator)` is emitted (neither field indexed, as in Lilypad);
 *  - the picked mediator answers with `mediationAcceptResult(dealId)` or `mediationRejectResult(dealId)`;
 *    the caller is identified by tx.origin (as Lilypad does), and the answer is forwarded to the controller.
 * Revert messages are Lilypad's, so clients that match on them behave the same.
 * The pick uses the previous block's hash rather than block.timestamp; either is steerable by a block producer,
 * which is why VerdictMediation draws committees from a block mined after the request instead.
 */
contract LilypadMediation is Ownable, ILilypadMediationHandler {
    mapping(string => address) private mediators;
    address private controllerAddress;
    bool private canChangeControllerAddress = true;

    event MediationRequested(string dealId, address mediator);

    constructor() Ownable(msg.sender) {}

    modifier onlyController() {
        require(controllerAddress != address(0), "ControllerOwnable: Controller address must be defined");
        require(msg.sender == controllerAddress, "ControllerOwnable: Only the controller can call this method");
        _;
    }

    /// Lilypad deploys behind a proxy and calls initialize(); here the constructor does the work.
    function initialize() public {}

    function setControllerAddress(address _controllerAddress) public onlyOwner {
        require(_controllerAddress != address(0), "ControllerOwnable: Controller address must be defined");
        require(canChangeControllerAddress, "ControllerOwnable: canChangeControllerAddress is disabled");
        controllerAddress = _controllerAddress;
    }

    function getControllerAddress() public view returns (address) {
        return controllerAddress;
    }

    function disableChangeControllerAddress() public onlyOwner {
        canChangeControllerAddress = false;
    }

    function mediationRequest(LilypadTypes.Deal memory deal) public override onlyController {
        uint256 n = deal.members.mediators.length;
        require(n > 0, "no mediators");
        uint256 index = uint256(keccak256(abi.encodePacked(blockhash(block.number - 1), deal.dealId))) % n;
        address mediator = deal.members.mediators[index];
        require(mediator != address(0), "mediator cannot be 0x0");
        mediators[deal.dealId] = mediator;
        emit MediationRequested(deal.dealId, mediator);
    }

    function getMediator(string memory dealId) public view returns (address) {
        return mediators[dealId];
    }

    function mediationAcceptResult(string memory dealId) public {
        _checkMediator(dealId);
        ILilypadMediationRequester(controllerAddress).mediationAcceptResult(dealId);
    }

    function mediationRejectResult(string memory dealId) public {
        _checkMediator(dealId);
        ILilypadMediationRequester(controllerAddress).mediationRejectResult(dealId);
    }

    function _checkMediator(string memory dealId) private view {
        require(mediators[dealId] != address(0), "mediator cannot be 0x0");
        // solhint-disable-next-line avoid-tx-origin
        require(mediators[dealId] == tx.origin, "tx.origin must be the mediator");
    }
}
