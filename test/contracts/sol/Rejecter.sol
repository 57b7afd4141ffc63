// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

interface IMediation {
    function submitResult(bytes32 jobId, address creator, bytes32 resultCommitment) external payable;
    function releaseCollateral(bytes32 jobId) external;
    function withdraw() external;
}

/// Test double: a provider contract that refuses ETH, so `withdraw` must revert with TransferFailed.
contract Rejecter {
    function submit(IMediation m, bytes32 jobId, address creator) external payable {
        m.submitResult{value: msg.value}(jobId, creator, bytes32(0));
    }

    function pull(IMediation m) external {
        m.withdraw();
    }

    receive() external payable {
        revert("no thanks");
    }
}
