/** Cost of producing the synthetic input alone (subtract from the collect benchmark to see collect's own cost). */
import { synthetic } from './synthetic.js';

const N = Number(process.argv[2] ?? 1_000_000);
const t0 = performance.now();
const cpu0 = process.cpuUsage();
let chars = 0;
for (const source of [0, 1]) for await (const r of synthetic(N, source)) chars += r.instruction.charCodeAt(0) + r.reference.length;
const cpu = process.cpuUsage(cpu0);
console.log(`generated ${N} records in ${((performance.now() - t0) / 1000).toFixed(2)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU (${chars})`);
