// snarkjs ships no type declarations; snark.ts (the only file importing it) gives the calls it uses their types.
declare module 'snarkjs';
