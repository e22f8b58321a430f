/**
 * @selfj/gateway: an OpenAI-compatible server in front of any selfj upstream that answers only when the judge's
 * score clears the calibrated threshold (gate, best-of-n, cascade, shadow). `selfj gateway` is its command.
 */
export { startGateway, type Gateway, type GatewayOptions } from './gateway.js';
export { LiveJudge, type JudgeSource, type Lease, type LiveJudgeOptions } from './live-judge.js';
export { MicroBatcher, type BatcherOptions, type BatchFn } from './batcher.js';
export { DecisionLog, type DecisionLogOptions } from './decision-log.js';
export { ApiKeys, presentedKey, type KeySources } from './api-keys.js';
export { GatewayMetrics } from './metrics.js';
export { checkThreshold, readThreshold, thresholdMismatches, type Threshold, type ThresholdJudge, type RunningJudge } from './threshold.js';
export { bestIndex, declineText, verdictOf, type Decision, type FailurePolicy, type ReasonCode, type Verdict } from './verdict.js';
export { parseRequest, type GatewayRequest, type RequestDefaults } from './request.js';
export type { Outcome } from './modes.js';
export type { SelfjExtension } from './wire.js';
