pragma circom 2.1.0;

// Circuit "mlp-q8-16x16x4" v1: int8 MLP 16 -> 16 (ReLU) -> 4, requantisation shifts 6 and 6.
include "lib/model.circom";

component main {public [jobId, modelCommitment, inputCommitment, outputCommitment]} = MlpJob(16, 16, 4, 6, 6);
