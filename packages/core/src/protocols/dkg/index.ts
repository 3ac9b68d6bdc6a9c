/** Pedersen DKG with proofs of knowledge (protocol id 'dkg/v1'). */
export { createDkgSession } from './session.js';
export { DKG_PROTOCOL_ID, DKG_MAX_PARTIES, dkgContext, validateDkgParams, type DkgConfig, type DkgParams } from './params.js';
export { pokChallenge, provePok, verifyPok, type ProofOfKnowledge } from './pok.js';
export { computeKeyOutput, publicOutputHash, jointChainCode, chainCodeCommitment, type KeyOutput } from './output.js';
