/** Judge training (the head trainer, its features, the artifact, the LoRA export) and judging (stage 6). */
export * from './head-trainer.js';
export * from './judge-artifact.js';
export * from './features-stage.js';
export * from './train-stage.js';
export * from './judge-stage.js';
export * from './lora-export.js';
export * from './lora-script.js';
export * from './zero-shot-judge.js';
export * from './trained-head-judge.js';
export * from './trainers.js';
