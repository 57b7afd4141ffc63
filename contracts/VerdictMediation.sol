// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/**
 * @title VerdictMediation
 * @notice Disputes over outsourced compute results, decided by a randomly drawn committee of bonded mediators.
 *
 * Life of a job (all times are block numbers; block.timestamp is never read):
 *   submitResult (provider, with collateral)
 *     ├─ no challenge within challengeWindow ─► releaseCollateral ─► Settled
 *     ├─ challenge (creator, with bond) ─► Challenged ─► drawCommittee (seed = blockhash of a block mined after
 *     │    the challenge) ─► Voting ─► postVerdict (k of n EIP-712 signatures) ─► Resolved ─► settle ─► Settled
 *     │                                  └─ timeoutVoting: absent members slashed and replaced (new draw), or
 *     │                                     Inconclusive after maxRounds / when everybody voted without quorum
 *     └─ a batched verdict (Merkle root signed once per epoch by batchQuorum mediators)
 *          ├─ applyBatchedVerdict after the batch challenge window ─► Resolved ─► settle
 *          └─ challengeBatchedVerdict (creator or provider, with bond) ─► Challenged ─► committee as above;
 *             when the committee overturns the leaf, slashBatchSigners punishes the root's signers.
 *
 * Money moves by pull payments only: settlement credits `balances`, `withdraw` sends them.
 * Outcome codes (as signed): 0 ProviderCorrect, 1 ProviderFaulty, 2 Inconclusive.
 */
contract VerdictMediation is EIP712 {
    // ------------------------------------------------------------------ types

    enum Status {
        None,
        Submitted,
        Challenged,
        Voting,
        Resolved,
        Settled
    }

    uint8 public constant PROVIDER_CORRECT = 0;
    uint8 public constant PROVIDER_FAULTY = 1;
    uint8 public constant INCONCLUSIVE = 2;

    /// Constructor parameters; all durations are in blocks.
    struct Config {
        uint8 committeeSize; // n, at most 8 (bitmaps are uint8)
        uint8 quorum; // k, more than n / 2
        uint8 maxRounds; // committee draws before a dispute ends Inconclusive
        uint8 batchQuorum; // distinct active mediators signing a batch root
        uint32 challengeWindow; // after submitResult
        uint32 drawDelay; // blocks between a challenge (or timeout) and the seed block
        uint32 voteWindow; // after the committee is drawn
        uint32 unbondingPeriod; // between requestExit and withdrawBond
        uint32 batchChallengeWindow; // after postBatch
        uint32 epochLength; // for batch roots
        uint96 minMediatorBond;
        uint96 minCollateral;
        uint96 challengeBond;
        uint96 mediationFee; // paid out of the challenge bond to the signing committee members
        uint96 absentPenalty; // slashed from a committee member that did not vote in time
        uint96 fraudPenalty; // slashed from each signer of a batch leaf a committee overturned
    }

    /// Two storage slots. Slot 1 is the only slot postVerdict writes.
    struct Job {
        address provider;
        uint96 collateral;
        address creator;
        uint64 resultBlock;
        Status status;
        uint8 round; // committee round, 0-based
        uint8 outcome; // valid from Resolved on
        uint8 signers; // bitmap of committee positions whose signatures made the verdict
    }

    struct Dispute {
        bytes32 committeeHash; // keccak256(abi.encodePacked(address[] committee)); 0 before the first draw
        uint64 seedBlock;
        uint64 voteDeadline;
        uint8 voted; // positions that recorded a vote this round (partial votes)
        uint8 replaceMask; // positions the next draw fills
        uint8 flags;
        uint96 feePool; // penalties of absent members, shared by the signers
        bytes32 evidenceId; // the challenger's commitment to its dispute evidence
        bytes32 batchRoot; // set when the dispute challenges a batched verdict
    }

    struct Mediator {
        uint96 bond;
        uint32 slot; // 1-based index in activeList; 0 = not drawable
        uint64 exitBlock; // 0 = not exiting
        bool registered;
    }

    struct Batch {
        uint64 postedBlock;
        uint32 count;
        bytes20 signersTag; // first 20 bytes of keccak256(abi.encodePacked(address[] signers))
    }

    uint8 private constant FLAG_CHALLENGER_IS_PROVIDER = 1;
    uint8 private constant FLAG_BATCHED = 2;
    uint8 private constant FLAG_BATCH_SIGNERS_SLASHED = 4;
    uint8 private constant LEAF_OUTCOME_SHIFT = 4; // bits 4-5: the challenged leaf's outcome

    bytes32 public constant VERDICT_TYPEHASH = keccak256("Verdict(bytes32 jobId,uint8 outcome,bytes32 evidenceHash)");
    bytes32 public constant BATCH_TYPEHASH = keccak256("VerdictBatch(bytes32 root,uint64 epoch,uint32 count)");

    // ------------------------------------------------------------------ configuration (immutable: no SLOAD)

    uint8 public immutable committeeSize;
    uint8 public immutable quorum;
    uint8 public immutable maxRounds;
    uint8 public immutable batchQuorum;
    uint32 public immutable challengeWindow;
    uint32 public immutable drawDelay;
    uint32 public immutable voteWindow;
    uint32 public immutable unbondingPeriod;
    uint32 public immutable batchChallengeWindow;
    uint32 public immutable epochLength;
    uint96 public immutable minMediatorBond;
    uint96 public immutable minCollateral;
    uint96 public immutable challengeBond;
    uint96 public immutable mediationFee;
    uint96 public immutable absentPenalty;
    uint96 public immutable fraudPenalty;

    // ------------------------------------------------------------------ state

    mapping(bytes32 => Job) internal _jobs;
    mapping(bytes32 => Dispute) internal _disputes;
    mapping(address => Mediator) internal _mediators;
    address[] internal _activeList;
    mapping(bytes32 => Batch) internal _batches;
    /// Partial votes: keccak256(digest, jobId, round) => bitmap of committee positions.
    mapping(bytes32 => uint8) internal _tally;
    mapping(address => uint256) public balances;

    // ------------------------------------------------------------------ events (job events indexed by jobId)

    event MediatorRegistered(address indexed mediator, uint256 bond, bool active);
    event MediatorExitRequested(address indexed mediator, uint64 exitBlock);
    event MediatorBondWithdrawn(address indexed mediator, uint256 amount);
    event MediatorSlashed(address indexed mediator, bytes32 indexed jobId, uint256 amount, bool removed);
    event ResultSubmitted(
        bytes32 indexed jobId, address indexed provider, address indexed creator, bytes32 resultCommitment, uint256 collateral
    );
    event CollateralReleased(bytes32 indexed jobId, address indexed provider, uint256 amount);
    event Challenged(bytes32 indexed jobId, address indexed challenger, bytes32 evidenceId, uint64 seedBlock, bytes32 batchRoot);
    event SeedRearmed(bytes32 indexed jobId, uint8 round, uint64 seedBlock);
    event CommitteeDrawn(bytes32 indexed jobId, uint8 round, address[] committee, bytes32 seed, uint64 voteDeadline);
    event MediatorAssigned(bytes32 indexed jobId, address indexed mediator, uint8 round, uint8 position);
    event VotesRecorded(bytes32 indexed jobId, uint8 round, uint8 outcome, bytes32 evidenceHash, uint8 tally);
    event VerdictPosted(bytes32 indexed jobId, uint8 round, uint8 outcome, bytes32 evidenceHash, uint8 signers);
    event VotingTimedOut(bytes32 indexed jobId, uint8 round, uint8 absent, bool final_);
    event Settled(bytes32 indexed jobId, uint8 outcome, uint256 toProvider, uint256 toCreator, uint256 toMediators);
    event BatchPosted(bytes32 indexed root, uint64 indexed epoch, uint32 count, address[] signers);
    event BatchedVerdictApplied(bytes32 indexed jobId, bytes32 indexed root, uint8 outcome, bytes32 evidenceHash);
    event BatchSignersSlashed(bytes32 indexed jobId, bytes32 indexed root, uint256 total);
    event Withdrawn(address indexed account, uint256 amount);

    // ------------------------------------------------------------------ errors

    error BadConfig(string what);
    error BadAmount(uint256 got, uint256 want);
    error BadState(Status got);
    error BadOutcome(uint8 outcome);
    error NotCreator();
    error NotParty();
    error SelfDealing();
    error JobExists();
    error WindowClosed();
    error WindowOpen();
    error SeedNotMined(uint64 seedBlock);
    error WrongCommittee();
    error NotEnoughMediators(uint256 active, uint256 needed);
    error NoSignatures();
    error BadSignatureLength();
    error NotCommitteeMember(address signer);
    error DuplicateSigner(address signer);
    error NotActiveMediator(address signer);
    error SignersNotSorted();
    error TooFewSigners(uint256 got, uint256 want);
    error UnknownBatch();
    error BatchExists();
    error BadEpoch(uint64 epoch, uint64 current);
    error InvalidProof();
    error WrongSigners();
    error NothingToSlash();
    error AlreadyRegistered();
    error NotRegistered();
    error Exiting();
    error StillBonded(uint64 exitBlock);
    error NothingToWithdraw();
    error TransferFailed();

    // ------------------------------------------------------------------ construction

    constructor(Config memory c) EIP712("VerdictMediation", "1") {
        if (c.committeeSize == 0 || c.committeeSize > 8) revert BadConfig("committeeSize");
        if (c.quorum == 0 || c.quorum > c.committeeSize || 2 * uint256(c.quorum) <= c.committeeSize) {
            revert BadConfig("quorum");
        }
        if (c.maxRounds == 0) revert BadConfig("maxRounds");
        if (c.batchQuorum == 0) revert BadConfig("batchQuorum");
        if (c.drawDelay == 0) revert BadConfig("drawDelay");
        if (c.voteWindow == 0) revert BadConfig("voteWindow");
        if (c.epochLength == 0) revert BadConfig("epochLength");
        if (c.mediationFee > c.challengeBond) revert BadConfig("mediationFee");
        if (c.minMediatorBond == 0) revert BadConfig("minMediatorBond");
        committeeSize = c.committeeSize;
        quorum = c.quorum;
        maxRounds = c.maxRounds;
        batchQuorum = c.batchQuorum;
        challengeWindow = c.challengeWindow;
        drawDelay = c.drawDelay;
        voteWindow = c.voteWindow;
        unbondingPeriod = c.unbondingPeriod;
        batchChallengeWindow = c.batchChallengeWindow;
        epochLength = c.epochLength;
        minMediatorBond = c.minMediatorBond;
        minCollateral = c.minCollateral;
        challengeBond = c.challengeBond;
        mediationFee = c.mediationFee;
        absentPenalty = c.absentPenalty;
        fraudPenalty = c.fraudPenalty;
    }

    // ------------------------------------------------------------------ mediator registry

    /// Registers the sender with msg.value as bond, or tops up an existing bond; active once bond >= minimum.
    function registerMediator() external payable {
        Mediator storage m = _mediators[msg.sender];
        if (m.exitBlock != 0) revert Exiting();
        uint256 bond = uint256(m.bond) + msg.value;
        if (bond > type(uint96).max) revert BadAmount(bond, type(uint96).max);
        if (!m.registered && bond < minMediatorBond) revert BadAmount(msg.value, minMediatorBond);
        if (m.registered && m.slot != 0 && msg.value == 0) revert AlreadyRegistered();
        m.registered = true;
        m.bond = uint96(bond);
        if (m.slot == 0 && bond >= minMediatorBond) {
            _activeList.push(msg.sender);
            m.slot = uint32(_activeList.length);
        }
        emit MediatorRegistered(msg.sender, bond, m.slot != 0);
    }

    /// Stops being drawn at once; the bond stays slashable until unbondingPeriod blocks have passed.
    function requestExit() external {
        Mediator storage m = _mediators[msg.sender];
        if (!m.registered) revert NotRegistered();
        if (m.exitBlock != 0) revert Exiting();
        _deactivate(m);
        uint64 exitBlock = uint64(block.number) + unbondingPeriod;
        m.exitBlock = exitBlock;
        emit MediatorExitRequested(msg.sender, exitBlock);
    }

    function withdrawBond() external {
        Mediator storage m = _mediators[msg.sender];
        if (!m.registered) revert NotRegistered();
        if (m.exitBlock == 0 || block.number < m.exitBlock) revert StillBonded(m.exitBlock);
        uint256 amount = m.bond;
        delete _mediators[msg.sender];
        balances[msg.sender] += amount;
        emit MediatorBondWithdrawn(msg.sender, amount);
    }

    // ------------------------------------------------------------------ results and challenges

    /// The provider commits to a job's result and locks msg.value as collateral.
    function submitResult(bytes32 jobId, address creator, bytes32 resultCommitment) external payable {
        Job storage j = _jobs[jobId];
        if (j.status != Status.None) revert JobExists();
        if (creator == address(0) || creator == msg.sender) revert SelfDealing();
        if (msg.value < minCollateral || msg.value > type(uint96).max) revert BadAmount(msg.value, minCollateral);
        j.provider = msg.sender;
        j.collateral = uint96(msg.value);
        j.creator = creator;
        j.resultBlock = uint64(block.number);
        j.status = Status.Submitted;
        emit ResultSubmitted(jobId, msg.sender, creator, resultCommitment, msg.value);
    }

    /// The job creator disputes the result within challengeWindow, bonding challengeBond.
    function challenge(bytes32 jobId, bytes32 evidenceId) external payable {
        Job storage j = _jobs[jobId];
        if (j.status != Status.Submitted) revert BadState(j.status);
        if (msg.sender != j.creator) revert NotCreator();
        if (block.number > uint256(j.resultBlock) + challengeWindow) revert WindowClosed();
        _openDispute(jobId, j, evidenceId, bytes32(0), 0);
    }

    /// After an unchallenged window, anyone releases the provider's collateral.
    function releaseCollateral(bytes32 jobId) external {
        Job storage j = _jobs[jobId];
        if (j.status != Status.Submitted) revert BadState(j.status);
        if (block.number <= uint256(j.resultBlock) + challengeWindow) revert WindowOpen();
        j.status = Status.Settled;
        uint256 amount = j.collateral;
        balances[j.provider] += amount;
        emit CollateralReleased(jobId, j.provider, amount);
    }

    function _openDispute(bytes32 jobId, Job storage j, bytes32 evidenceId, bytes32 batchRoot, uint8 flags) private {
        if (msg.value != challengeBond) revert BadAmount(msg.value, challengeBond);
        j.status = Status.Challenged;
        Dispute storage d = _disputes[jobId];
        uint64 seedBlock = uint64(block.number) + drawDelay;
        d.seedBlock = seedBlock;
        d.replaceMask = uint8((1 << committeeSize) - 1);
        d.flags = flags;
        d.evidenceId = evidenceId;
        if (batchRoot != bytes32(0)) d.batchRoot = batchRoot;
        emit Challenged(jobId, msg.sender, evidenceId, seedBlock, batchRoot);
    }

    // ------------------------------------------------------------------ committee

    /**
     * Draws the committee (or the replacements of absent members) from blockhash(seedBlock), a block mined after
     * the challenge, so neither party knew the seed when it acted. Anyone may call it. When the seed block has
     * fallen out of the 256-block blockhash window, the draw re-arms on a new future block instead.
     * @param current the committee of the previous round (empty in round 0), checked against its hash.
     */
    function drawCommittee(bytes32 jobId, address[] calldata current) external {
        Job storage j = _jobs[jobId];
        if (j.status != Status.Challenged) revert BadState(j.status);
        Dispute storage d = _disputes[jobId];
        uint64 seedBlock = d.seedBlock;
        if (block.number <= seedBlock) revert SeedNotMined(seedBlock);
        bytes32 bh = blockhash(seedBlock);
        if (bh == bytes32(0)) {
            uint64 next = uint64(block.number) + drawDelay;
            d.seedBlock = next;
            emit SeedRearmed(jobId, j.round, next);
            return;
        }
        uint256 n = committeeSize;
        if (d.committeeHash == bytes32(0) ? current.length != 0 : keccak256(abi.encodePacked(current)) != d.committeeHash) {
            revert WrongCommittee();
        }
        bytes32 seed = keccak256(abi.encode(bh, jobId, j.round));
        address[] memory members = new address[](n);
        uint256 replace = d.replaceMask;
        for (uint256 i = 0; i < n; i++) {
            if (replace & (1 << i) == 0) members[i] = current[i];
        }
        uint256 len = _activeList.length;
        for (uint256 i = 0; i < n; i++) {
            if (replace & (1 << i) == 0) continue;
            members[i] = _pick(seed, i, len, members, j.provider, j.creator);
        }
        uint64 deadline = uint64(block.number) + voteWindow;
        d.committeeHash = keccak256(abi.encodePacked(members));
        d.voteDeadline = deadline;
        d.voted = 0;
        d.replaceMask = 0;
        j.status = Status.Voting;
        uint8 round = j.round;
        emit CommitteeDrawn(jobId, round, members, seed, deadline);
        for (uint256 i = 0; i < n; i++) {
            emit MediatorAssigned(jobId, members[i], round, uint8(i));
        }
    }

    /// Starts at a seeded random position of the active list and probes forward to the first eligible mediator.
    function _pick(bytes32 seed, uint256 position, uint256 len, address[] memory taken, address provider, address creator)
        private
        view
        returns (address)
    {
        if (len == 0) revert NotEnoughMediators(0, committeeSize);
        uint256 start = uint256(keccak256(abi.encode(seed, position))) % len;
        for (uint256 probe = 0; probe < len; probe++) {
            address cand = _activeList[(start + probe) % len];
            if (cand == provider || cand == creator) continue;
            bool dup = false;
            for (uint256 t = 0; t < taken.length; t++) {
                if (taken[t] == cand) {
                    dup = true;
                    break;
                }
            }
            if (!dup) return cand;
        }
        revert NotEnoughMediators(len, committeeSize);
    }

    // ------------------------------------------------------------------ verdicts

    /**
     * Posts committee signatures over Verdict(jobId, outcome, evidenceHash). Anyone may post. With at least
     * `quorum` distinct members' signatures the verdict is final at once; fewer are recorded as votes of this
     * round and count towards the quorum together with later posts.
     * @param signatures packed 65-byte r‖s‖v signatures, in any order.
     */
    function postVerdict(
        bytes32 jobId,
        address[] calldata committee,
        uint8 outcome,
        bytes32 evidenceHash,
        bytes calldata signatures
    ) external {
        Job storage j = _jobs[jobId];
        if (j.status != Status.Voting) revert BadState(j.status);
        if (outcome > INCONCLUSIVE) revert BadOutcome(outcome);
        Dispute storage d = _disputes[jobId];
        if (keccak256(abi.encodePacked(committee)) != d.committeeHash) revert WrongCommittee();
        bytes32 digest = _hashTypedDataV4(keccak256(abi.encode(VERDICT_TYPEHASH, jobId, outcome, evidenceHash)));
        uint256 bits = _committeeSigners(digest, committee, signatures);
        uint8 round = j.round;
        if (_popcount(bits) < quorum) {
            // Slow path: accumulate votes of this round until a quorum agrees.
            bytes32 key = keccak256(abi.encode(digest, jobId, round));
            bits |= _tally[key];
            _tally[key] = uint8(bits);
            d.voted |= uint8(bits);
            emit VotesRecorded(jobId, round, outcome, evidenceHash, uint8(bits));
            if (_popcount(bits) < quorum) return;
        }
        j.status = Status.Resolved;
        j.outcome = outcome;
        j.signers = uint8(bits);
        emit VerdictPosted(jobId, round, outcome, evidenceHash, uint8(bits));
    }

    function _committeeSigners(bytes32 digest, address[] calldata committee, bytes calldata signatures)
        private
        pure
        returns (uint256 bits)
    {
        uint256 count = signatures.length / 65;
        if (count == 0) revert NoSignatures();
        if (signatures.length != count * 65) revert BadSignatureLength();
        for (uint256 s = 0; s < count; s++) {
            address signer = _recoverAt(digest, signatures, s);
            uint256 i = 0;
            while (i < committee.length && committee[i] != signer) i++;
            if (i == committee.length) revert NotCommitteeMember(signer);
            if (bits & (1 << i) != 0) revert DuplicateSigner(signer);
            bits |= 1 << i;
        }
    }

    /// Reads signature number `s` straight from calldata (no memory copy) and recovers it; rejects high-s.
    function _recoverAt(bytes32 digest, bytes calldata signatures, uint256 s) private pure returns (address) {
        bytes32 r;
        bytes32 sv;
        uint8 v;
        assembly ("memory-safe") {
            let p := add(signatures.offset, mul(s, 65))
            r := calldataload(p)
            sv := calldataload(add(p, 32))
            v := byte(0, calldataload(add(p, 64)))
        }
        return ECDSA.recover(digest, v, r, sv);
    }

    function _popcount(uint256 x) private pure returns (uint256 c) {
        while (x != 0) {
            x &= x - 1;
            c++;
        }
    }

    /**
     * After voteDeadline without a verdict: members that recorded no vote are slashed, deactivated and replaced
     * by a new draw (on a new future seed block). When nobody is absent (split vote) or maxRounds is reached,
     * the dispute ends Inconclusive and the fee goes to the members that voted.
     */
    function timeoutVoting(bytes32 jobId, address[] calldata committee) external {
        Job storage j = _jobs[jobId];
        if (j.status != Status.Voting) revert BadState(j.status);
        Dispute storage d = _disputes[jobId];
        if (block.number <= d.voteDeadline) revert WindowOpen();
        if (keccak256(abi.encodePacked(committee)) != d.committeeHash) revert WrongCommittee();
        uint8 voted = d.voted;
        uint8 absent = uint8(((1 << committee.length) - 1) & ~uint256(voted));
        uint96 pool = d.feePool;
        for (uint256 i = 0; i < committee.length; i++) {
            if (absent & (1 << i) != 0) pool += _slash(committee[i], jobId, absentPenalty, true);
        }
        d.feePool = pool;
        uint8 round = j.round;
        bool final_ = absent == 0 || round + 1 >= maxRounds;
        emit VotingTimedOut(jobId, round, absent, final_);
        if (final_) {
            j.status = Status.Resolved;
            j.outcome = INCONCLUSIVE;
            j.signers = voted;
            emit VerdictPosted(jobId, round, INCONCLUSIVE, bytes32(0), voted);
        } else {
            j.round = round + 1;
            j.status = Status.Challenged;
            d.replaceMask = absent;
            uint64 seedBlock = uint64(block.number) + drawDelay;
            d.seedBlock = seedBlock;
            emit SeedRearmed(jobId, round + 1, seedBlock);
        }
    }

    /// Takes up to `amount` from a mediator's bond; deactivates it when asked or when the bond falls below minimum.
    function _slash(address who, bytes32 jobId, uint96 amount, bool remove) private returns (uint96 taken) {
        Mediator storage m = _mediators[who];
        taken = amount < m.bond ? amount : m.bond;
        m.bond -= taken;
        bool removed = false;
        if (m.slot != 0 && (remove || m.bond < minMediatorBond)) {
            _deactivate(m);
            removed = true;
        }
        emit MediatorSlashed(who, jobId, taken, removed);
    }

    /// Swap-and-pop removal from the drawable list.
    function _deactivate(Mediator storage m) private {
        uint256 slot = m.slot;
        if (slot == 0) return;
        address last = _activeList[_activeList.length - 1];
        _activeList[slot - 1] = last;
        _mediators[last].slot = uint32(slot);
        _activeList.pop();
        m.slot = 0;
    }

    // ------------------------------------------------------------------ settlement

    /**
     * Credits everybody once a job is Resolved. Collateral goes to the creator when the provider was faulty, else
     * back to the provider. The challenge bond minus the mediation fee goes back to the challenger unless the
     * verdict went against it (then to the other party); the fee and absent members' penalties are shared by the
     * signing members. Anyone may call it.
     */
    function settle(bytes32 jobId, address[] calldata committee) external {
        Job storage j = _jobs[jobId];
        if (j.status != Status.Resolved) revert BadState(j.status);
        Dispute storage d = _disputes[jobId];
        bool challenged = d.seedBlock != 0;
        if (challenged && keccak256(abi.encodePacked(committee)) != d.committeeHash) revert WrongCommittee();
        j.status = Status.Settled;
        uint8 outcome = j.outcome;

        uint256 toProvider;
        uint256 toCreator;
        uint256 toMediators;
        if (outcome == PROVIDER_FAULTY) toCreator = j.collateral;
        else toProvider = j.collateral;

        if (challenged) {
            bool byProvider = d.flags & FLAG_CHALLENGER_IS_PROVIDER != 0;
            bool challengerWins =
                outcome == INCONCLUSIVE || (byProvider ? outcome == PROVIDER_CORRECT : outcome == PROVIDER_FAULTY);
            uint256 rest = challengeBond - mediationFee;
            toMediators = _payCommittee(committee, j.signers, mediationFee + uint256(d.feePool));
            // Nobody earned the fee (no signer): it goes back with the bond.
            if (toMediators == 0) rest += mediationFee + uint256(d.feePool);
            if (challengerWins == byProvider) toProvider += rest;
            else toCreator += rest;
        }
        if (toProvider != 0) balances[j.provider] += toProvider;
        if (toCreator != 0) balances[j.creator] += toCreator;
        emit Settled(jobId, outcome, toProvider, toCreator, toMediators);
    }

    /// Shares `pool` equally among the signers (the first signer takes the rounding dust); returns what it paid.
    function _payCommittee(address[] calldata committee, uint256 signers, uint256 pool) private returns (uint256) {
        uint256 nSigners = _popcount(signers);
        if (nSigners == 0 || pool == 0) return 0;
        uint256 share = pool / nSigners;
        uint256 dust = pool - share * nSigners;
        for (uint256 i = 0; i < committee.length; i++) {
            if (signers & (1 << i) == 0) continue;
            balances[committee[i]] += share + dust;
            dust = 0;
        }
        return pool;
    }

    /// Sends the caller everything credited to it.
    function withdraw() external {
        uint256 amount = balances[msg.sender];
        if (amount == 0) revert NothingToWithdraw();
        balances[msg.sender] = 0;
        (bool ok,) = msg.sender.call{value: amount}("");
        if (!ok) revert TransferFailed();
        emit Withdrawn(msg.sender, amount);
    }

    // ------------------------------------------------------------------ batched verdicts

    /**
     * Posts the Merkle root of many uncontested verdicts, signed once (EIP-712 VerdictBatch) by at least
     * batchQuorum active mediators. Leaves follow OpenZeppelin StandardMerkleTree:
     * keccak256(bytes.concat(keccak256(abi.encode(bytes32 jobId, uint8 outcome, bytes32 evidenceHash)))),
     * sorted-pair keccak256 nodes.
     * @param signatures packed 65-byte signatures, ordered by strictly ascending signer address.
     */
    function postBatch(bytes32 root, uint64 epoch, uint32 count, bytes calldata signatures) external {
        if (root == bytes32(0) || count == 0) revert InvalidProof();
        uint64 current = uint64(block.number / epochLength);
        if (epoch != current && epoch + 1 != current) revert BadEpoch(epoch, current);
        Batch storage b = _batches[root];
        if (b.postedBlock != 0) revert BatchExists();
        bytes32 digest = _hashTypedDataV4(keccak256(abi.encode(BATCH_TYPEHASH, root, epoch, count)));
        uint256 n = signatures.length / 65;
        if (signatures.length != n * 65) revert BadSignatureLength();
        if (n < batchQuorum) revert TooFewSigners(n, batchQuorum);
        address[] memory signers = new address[](n);
        address prev = address(0);
        for (uint256 s = 0; s < n; s++) {
            address signer = _recoverAt(digest, signatures, s);
            if (signer <= prev) revert SignersNotSorted();
            if (_mediators[signer].slot == 0) revert NotActiveMediator(signer);
            signers[s] = signer;
            prev = signer;
        }
        b.postedBlock = uint64(block.number);
        b.count = count;
        b.signersTag = bytes20(keccak256(abi.encodePacked(signers)));
        emit BatchPosted(root, epoch, count, signers);
    }

    function _leaf(bytes32 jobId, uint8 outcome, bytes32 evidenceHash) private pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(jobId, outcome, evidenceHash))));
    }

    function _checkLeaf(bytes32 root, bytes32 jobId, uint8 outcome, bytes32 evidenceHash, bytes32[] calldata proof)
        private
        view
        returns (Batch storage b)
    {
        b = _batches[root];
        if (b.postedBlock == 0) revert UnknownBatch();
        if (outcome > INCONCLUSIVE) revert BadOutcome(outcome);
        if (!MerkleProof.verifyCalldata(proof, root, _leaf(jobId, outcome, evidenceHash))) revert InvalidProof();
    }

    /// Applies one leaf of a batch to its (unchallenged) job once the batch challenge window has passed.
    function applyBatchedVerdict(
        bytes32 root,
        bytes32 jobId,
        uint8 outcome,
        bytes32 evidenceHash,
        bytes32[] calldata proof
    ) external {
        Batch storage b = _checkLeaf(root, jobId, outcome, evidenceHash, proof);
        if (block.number <= uint256(b.postedBlock) + batchChallengeWindow) revert WindowOpen();
        Job storage j = _jobs[jobId];
        if (j.status != Status.Submitted) revert BadState(j.status);
        j.status = Status.Resolved;
        j.outcome = outcome;
        emit BatchedVerdictApplied(jobId, root, outcome, evidenceHash);
    }

    /// Either party disputes one leaf of a batch within the batch challenge window: a committee decides it.
    function challengeBatchedVerdict(
        bytes32 root,
        bytes32 jobId,
        uint8 outcome,
        bytes32 evidenceHash,
        bytes32[] calldata proof,
        bytes32 evidenceId
    ) external payable {
        Batch storage b = _checkLeaf(root, jobId, outcome, evidenceHash, proof);
        if (block.number > uint256(b.postedBlock) + batchChallengeWindow) revert WindowClosed();
        Job storage j = _jobs[jobId];
        if (j.status != Status.Submitted) revert BadState(j.status);
        uint8 flags = FLAG_BATCHED | uint8(outcome << LEAF_OUTCOME_SHIFT);
        if (msg.sender == j.provider) flags |= FLAG_CHALLENGER_IS_PROVIDER;
        else if (msg.sender != j.creator) revert NotParty();
        _openDispute(jobId, j, evidenceId, root, flags);
    }

    /**
     * When the committee decided a challenged leaf differently (and not Inconclusive), every signer of the batch
     * loses fraudPenalty of its bond to the challenger. Once per dispute; anyone may call it.
     */
    function slashBatchSigners(bytes32 jobId, address[] calldata signers) external {
        Job storage j = _jobs[jobId];
        if (j.status != Status.Resolved && j.status != Status.Settled) revert BadState(j.status);
        Dispute storage d = _disputes[jobId];
        uint8 flags = d.flags;
        if (flags & FLAG_BATCHED == 0 || flags & FLAG_BATCH_SIGNERS_SLASHED != 0) revert NothingToSlash();
        uint8 leafOutcome = (flags >> LEAF_OUTCOME_SHIFT) & 3;
        if (j.outcome == INCONCLUSIVE || j.outcome == leafOutcome) revert NothingToSlash();
        bytes32 root = d.batchRoot;
        if (bytes20(keccak256(abi.encodePacked(signers))) != _batches[root].signersTag) revert WrongSigners();
        d.flags = flags | FLAG_BATCH_SIGNERS_SLASHED;
        uint256 total = 0;
        for (uint256 i = 0; i < signers.length; i++) {
            total += _slash(signers[i], jobId, fraudPenalty, false);
        }
        address challenger = flags & FLAG_CHALLENGER_IS_PROVIDER != 0 ? j.provider : j.creator;
        balances[challenger] += total;
        emit BatchSignersSlashed(jobId, root, total);
    }

    // ------------------------------------------------------------------ views

    function getJob(bytes32 jobId) external view returns (Job memory) {
        return _jobs[jobId];
    }

    function getDispute(bytes32 jobId) external view returns (Dispute memory) {
        return _disputes[jobId];
    }

    function getMediator(address who) external view returns (Mediator memory) {
        return _mediators[who];
    }

    function getBatch(bytes32 root) external view returns (Batch memory) {
        return _batches[root];
    }

    function activeMediators() external view returns (address[] memory) {
        return _activeList;
    }

    function activeMediatorCount() external view returns (uint256) {
        return _activeList.length;
    }

    function currentEpoch() external view returns (uint64) {
        return uint64(block.number / epochLength);
    }

    /// The EIP-712 digest a committee member signs for a verdict.
    function verdictDigest(bytes32 jobId, uint8 outcome, bytes32 evidenceHash) external view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(VERDICT_TYPEHASH, jobId, outcome, evidenceHash)));
    }

    /// The EIP-712 digest the signers of a batch root sign.
    function batchDigest(bytes32 root, uint64 epoch, uint32 count) external view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(BATCH_TYPEHASH, root, epoch, count)));
    }

    function batchLeaf(bytes32 jobId, uint8 outcome, bytes32 evidenceHash) external pure returns (bytes32) {
        return _leaf(jobId, outcome, evidenceHash);
    }
}
