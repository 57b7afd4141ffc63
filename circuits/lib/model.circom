pragma circom 2.1.0;

// Fixed-point models whose weights, input and output are bound by Poseidon commitments.
//
// Model commitment (format zk-model-q8 v1):
//   PoseidonChain(TAG_MODEL, salt, L, [nIn, nOut, S, relu] per layer, Pack8(W + 128) and Pack24(b + 2^23) per layer)
// with W row-major (W[j][i]: output j, input i). It commits to the architecture, the quantisation and the weights;
// the salt keeps a private model hidden.
// Input commitment:  PoseidonChain(TAG_INPUT, salt, Pack8(x + 128)).
// Output commitment: PoseidonChain(TAG_OUTPUT, jobId, Pack8(y + 128)): bound to the job.

include "fixedpoint.circom";
include "commit.circom";

// Number of field elements Pack(n, B) produces.
function packedLen(n, B) {
    var K = 248 \ B;
    return (n + K - 1) \ K;
}

// The packed weights and biases of one layer, in commitment order.
template LayerPack(nIn, nOut) {
    var MW = packedLen(nIn * nOut, 8);
    var MB = packedLen(nOut, 24);
    signal input wU[nOut][nIn];
    signal input bU[nOut];
    signal output out[MW + MB];
    component pw = Pack(nIn * nOut, 8);
    for (var j = 0; j < nOut; j++) {
        for (var i = 0; i < nIn; i++) pw.in[j * nIn + i] <== wU[j][i];
    }
    component pb = Pack(nOut, 24);
    pb.in <== bU;
    for (var e = 0; e < MW; e++) out[e] <== pw.out[e];
    for (var e = 0; e < MB; e++) out[MW + e] <== pb.out[e];
}

// Checks the input commitment and range, and returns x's offset values.
template CommittedInput(n) {
    signal input x[n];
    signal input salt;
    signal input commitment;
    component range[n];
    component c = CommitBytes(n, TAG_INPUT());
    c.head <== salt;
    for (var i = 0; i < n; i++) {
        range[i] = SignedRange(8);
        range[i].in <== x[i];
        c.u[i] <== range[i].u;
    }
    c.out === commitment;
}

// Checks the output commitment; y is in [-128, 127] by construction (a Requantize output).
template CommittedOutput(n) {
    signal input y[n];
    signal input jobId;
    signal input commitment;
    component c = CommitBytes(n, TAG_OUTPUT());
    c.head <== jobId;
    for (var i = 0; i < n; i++) c.u[i] <== y[i] + 128;
    c.out === commitment;
}

// One dense layer: y = clamp(round(W·x + b) / 2^S, -128, 127).
// Public: jobId, modelCommitment, inputCommitment, outputCommitment (in this order).
template DenseJob(nIn, nOut, S) {
    signal input jobId;
    signal input modelCommitment;
    signal input inputCommitment;
    signal input outputCommitment;
    signal input W[nOut][nIn];
    signal input b[nOut];
    signal input modelSalt;
    signal input x[nIn];
    signal input inputSalt;

    component inp = CommittedInput(nIn);
    inp.x <== x;
    inp.salt <== inputSalt;
    inp.commitment <== inputCommitment;

    component layer = DenseQ8(nIn, nOut, S, -128, 127);
    layer.x <== x;
    layer.W <== W;
    layer.b <== b;

    var MP = packedLen(nIn * nOut, 8) + packedLen(nOut, 24);
    component lp = LayerPack(nIn, nOut);
    lp.wU <== layer.wU;
    lp.bU <== layer.bU;
    component model = PoseidonChain(3 + 4 + MP);
    model.in[0] <== TAG_MODEL();
    model.in[1] <== modelSalt;
    model.in[2] <== 1;
    model.in[3] <== nIn;
    model.in[4] <== nOut;
    model.in[5] <== S;
    model.in[6] <== 0;
    for (var e = 0; e < MP; e++) model.in[7 + e] <== lp.out[e];
    model.out === modelCommitment;

    component out = CommittedOutput(nOut);
    out.y <== layer.y;
    out.jobId <== jobId;
    out.commitment <== outputCommitment;
}

// Two dense layers with a ReLU between them: h = clamp(round(W1·x + b1) / 2^S1, 0, 127) (ReLU and saturation
// in one step), y = clamp(round(W2·h + b2) / 2^S2, -128, 127). Same public signals as DenseJob.
template MlpJob(nIn, nHidden, nOut, S1, S2) {
    signal input jobId;
    signal input modelCommitment;
    signal input inputCommitment;
    signal input outputCommitment;
    signal input W1[nHidden][nIn];
    signal input b1[nHidden];
    signal input W2[nOut][nHidden];
    signal input b2[nOut];
    signal input modelSalt;
    signal input x[nIn];
    signal input inputSalt;

    component inp = CommittedInput(nIn);
    inp.x <== x;
    inp.salt <== inputSalt;
    inp.commitment <== inputCommitment;

    component l1 = DenseQ8(nIn, nHidden, S1, 0, 127);
    l1.x <== x;
    l1.W <== W1;
    l1.b <== b1;
    component l2 = DenseQ8(nHidden, nOut, S2, -128, 127);
    l2.x <== l1.y;
    l2.W <== W2;
    l2.b <== b2;

    var MP1 = packedLen(nIn * nHidden, 8) + packedLen(nHidden, 24);
    var MP2 = packedLen(nHidden * nOut, 8) + packedLen(nOut, 24);
    component lp1 = LayerPack(nIn, nHidden);
    lp1.wU <== l1.wU;
    lp1.bU <== l1.bU;
    component lp2 = LayerPack(nHidden, nOut);
    lp2.wU <== l2.wU;
    lp2.bU <== l2.bU;
    component model = PoseidonChain(3 + 8 + MP1 + MP2);
    model.in[0] <== TAG_MODEL();
    model.in[1] <== modelSalt;
    model.in[2] <== 2;
    model.in[3] <== nIn;
    model.in[4] <== nHidden;
    model.in[5] <== S1;
    model.in[6] <== 1;
    model.in[7] <== nHidden;
    model.in[8] <== nOut;
    model.in[9] <== S2;
    model.in[10] <== 0;
    for (var e = 0; e < MP1; e++) model.in[11 + e] <== lp1.out[e];
    for (var e = 0; e < MP2; e++) model.in[11 + MP1 + e] <== lp2.out[e];
    model.out === modelCommitment;

    component out = CommittedOutput(nOut);
    out.y <== l2.y;
    out.jobId <== jobId;
    out.commitment <== outputCommitment;
}
