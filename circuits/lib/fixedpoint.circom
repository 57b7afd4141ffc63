pragma circom 2.1.0;

// Signed fixed-point arithmetic over the BN254 scalar field.
//
// A signed integer v is carried as the field element v mod r (negatives wrap to r - |v|). Every value that
// enters a product or a commitment is range-checked, so sums of products stay far below r/2 and the field
// arithmetic equals integer arithmetic. Formats (docs/formats.md, "## ZK"):
//   activations and weights: int8 (two's-complement range [-128, 127]);
//   biases: int24, at the accumulator scale (the product of the activation and weight scales);
//   requantisation: y = clamp(floor((acc + 2^(S-1)) / 2^S), lo, hi), i.e. round half up, then saturate.

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";

// Proves -2^(B-1) <= in < 2^(B-1) and outputs the offset value u = in + 2^(B-1) in [0, 2^B),
// which is what the commitments pack.
template SignedRange(B) {
    signal input in;
    signal output u;
    u <== in + (1 << (B - 1));
    component bits = Num2Bits(B);
    bits.in <== u;
}

// y = clamp(floor((acc + 2^(S-1)) / 2^S), lo, hi) for a signed accumulator |acc| < 2^(ACC_BITS-1) - 2^S.
// The quotient and remainder are witnesses; the circuit proves acc + 2^(S-1) + OFF = q' * 2^S + r with
// 0 <= r < 2^S and 0 <= q' < 2^(ACC_BITS-S), which fixes them uniquely (the sum is below 2^ACC_BITS << r).
template Requantize(S, ACC_BITS, lo, hi) {
    assert(S >= 1 && ACC_BITS > S + 1 && ACC_BITS <= 200);
    assert(lo <= hi);
    signal input acc;
    signal output out;

    var OFF = 1 << (ACC_BITS - 1);
    var QOFF = OFF >> S;
    signal qp;
    signal r;
    qp <-- (acc + (1 << (S - 1)) + OFF) >> S;
    r <-- (acc + (1 << (S - 1)) + OFF) & ((1 << S) - 1);
    acc + (1 << (S - 1)) + OFF === qp * (1 << S) + r;
    component qBits = Num2Bits(ACC_BITS - S);
    qBits.in <== qp;
    component rBits = Num2Bits(S);
    rBits.in <== r;

    // q = qp - QOFF is the signed quotient; compare in the offset domain where everything is non-negative.
    component below = LessThan(ACC_BITS - S + 1);
    below.in[0] <== qp;
    below.in[1] <== QOFF + lo;
    component above = LessThan(ACC_BITS - S + 1);
    above.in[0] <== QOFF + hi;
    above.in[1] <== qp;
    signal kept;
    kept <== (1 - below.out - above.out) * (qp - QOFF);
    out <== kept + below.out * lo + above.out * hi;
}

// A dense layer y = requantize(W·x + b) on int8 inputs and weights and int24 biases.
// x is range-checked by the caller (it is either a committed input or the output of a Requantize,
// which is in [lo, hi] by construction). W and b are range-checked here; their offset values are
// exposed for the model commitment.
template DenseQ8(nIn, nOut, S, lo, hi) {
    var ACC_BITS = 26;
    // Largest |acc| is nIn * 2^14 + 2^23; it must stay below 2^(ACC_BITS-1) - 2^S.
    assert(nIn * (1 << 14) + (1 << 23) + (1 << S) < (1 << (ACC_BITS - 1)));
    signal input x[nIn];
    signal input W[nOut][nIn];
    signal input b[nOut];
    signal output y[nOut];
    signal output wU[nOut][nIn];
    signal output bU[nOut];

    component wr[nOut][nIn];
    component br[nOut];
    component rq[nOut];
    signal prod[nOut][nIn];
    for (var j = 0; j < nOut; j++) {
        var acc = 0;
        for (var i = 0; i < nIn; i++) {
            wr[j][i] = SignedRange(8);
            wr[j][i].in <== W[j][i];
            wU[j][i] <== wr[j][i].u;
            prod[j][i] <== W[j][i] * x[i];
            acc += prod[j][i];
        }
        br[j] = SignedRange(24);
        br[j].in <== b[j];
        bU[j] <== br[j].u;
        rq[j] = Requantize(S, ACC_BITS, lo, hi);
        rq[j].acc <== acc + b[j];
        y[j] <== rq[j].out;
    }
}
