pragma circom 2.1.0;

// Poseidon commitments to vectors of small values, as computed by src/verifiers/zk/commit.ts.

include "circomlib/circuits/poseidon.circom";

// Domain tags: the big-endian integer of an ASCII string, so a commitment of one kind never equals another.
function TAG_MODEL() { return 2640325199965558214637021507563433672385132081; }    // "verdict.zk.model.v1"
function TAG_INPUT() { return 2640325199965558214637021507274935084249937457; }    // "verdict.zk.input.v1"
function TAG_OUTPUT() { return 675923251191182902947077505973569369576320169521; } // "verdict.zk.output.v1"

// Packs n values of B bits each (already range-checked by the caller), floor(248 / B) per field element,
// little-endian inside an element: element e = sum_k in[e*K + k] * 2^(B*k). Linear, so it costs no constraint.
template Pack(n, B) {
    var K = 248 \ B;
    var M = (n + K - 1) \ K;
    signal input in[n];
    signal output out[M];
    for (var e = 0; e < M; e++) {
        var lc = 0;
        for (var k = 0; k < K && e * K + k < n; k++) {
            lc += in[e * K + k] * (1 << (B * k));
        }
        out[e] <== lc;
    }
}

// Poseidon over any number of field elements: the first (up to) 16 in one call, then chained 15 at a time:
// h0 = Poseidon(in[0..16)), h(c+1) = Poseidon(h(c), next <= 15 elements). Lengths are fixed per circuit.
template PoseidonChain(n) {
    assert(n >= 1);
    signal input in[n];
    signal output out;
    var first = n < 16 ? n : 16;
    var rest = n - first;
    var chunks = (rest + 14) \ 15;
    component h[1 + chunks];
    h[0] = Poseidon(first);
    for (var i = 0; i < first; i++) h[0].inputs[i] <== in[i];
    for (var c = 0; c < chunks; c++) {
        var size = rest - 15 * c < 15 ? rest - 15 * c : 15;
        h[c + 1] = Poseidon(size + 1);
        h[c + 1].inputs[0] <== h[c].out;
        for (var i = 0; i < size; i++) h[c + 1].inputs[i + 1] <== in[first + 15 * c + i];
    }
    out <== h[chunks].out;
}

// Commitment to an int8 vector with its offsets u = v + 128: PoseidonChain(tag, head, Pack(u, 8)).
template CommitBytes(n, tag) {
    var M = (n + 30) \ 31;
    signal input head;  // salt (inputs) or job id (outputs)
    signal input u[n];
    signal output out;
    component pack = Pack(n, 8);
    pack.in <== u;
    component h = PoseidonChain(2 + M);
    h.in[0] <== tag;
    h.in[1] <== head;
    for (var e = 0; e < M; e++) h.in[2 + e] <== pack.out[e];
    out <== h.out;
}
