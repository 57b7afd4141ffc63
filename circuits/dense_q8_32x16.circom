pragma circom 2.1.0;

// Circuit "dense-q8-32x16" v1: one int8 dense layer, 32 inputs, 16 outputs, requantisation shift 6.
include "lib/model.circom";

component main {public [jobId, modelCommitment, inputCommitment, outputCommitment]} = DenseJob(32, 16, 6);
