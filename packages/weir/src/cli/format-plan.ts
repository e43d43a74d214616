/**
 * @module Prints a JobGraph description as text for `weir plan`.
 */
import type { JobGraphDescription } from '../graph/job-graph.ts';

export function formatPlan(plan: JobGraphDescription): string {
  const lines: string[] = [];
  const index = new Map(plan.vertices.map((v, i) => [v.id, i + 1]));
  const names = new Map(plan.vertices.map((v) => [v.id, v.name]));
  lines.push(`Job '${plan.jobName}': ${plan.vertices.length} vertices, ${plan.edges.length} network edges`);
  for (const [i, vertex] of plan.vertices.entries()) {
    lines.push('');
    lines.push(`[${i + 1}] ${vertex.name}  (parallelism ${vertex.parallelism}, maxParallelism ${vertex.maxParallelism})`);
    const nameWidth = Math.max(...vertex.operators.map((o) => o.name.length));
    const typeWidth = Math.max(...vertex.operators.map((o) => o.type.length));
    for (const op of vertex.operators) {
      const uid = op.uidGenerated ? `${op.uid} (generated)` : op.uid;
      const state = op.stateful ? '  stateful' : '';
      lines.push(`      ${op.name.padEnd(nameWidth)}  ${op.type.padEnd(typeWidth)}  uid ${uid}${state}`);
    }
    // A two-input head shows where each of its inputs comes from.
    for (const edge of plan.edges.filter((e) => e.target === vertex.id && e.input !== undefined).sort((a, b) => (a.input ?? 0) - (b.input ?? 0))) {
      lines.push(`    input ${edge.input ?? ''} <--${edge.partitioner}-- [${index.get(edge.source) ?? '?'}] ${names.get(edge.source) ?? edge.source}`);
    }
    for (const edge of plan.edges.filter((e) => e.source === vertex.id)) {
      const input = edge.input === undefined ? '' : ` (input ${edge.input})`;
      lines.push(`    --${edge.partitioner}--> [${index.get(edge.target) ?? '?'}] ${edge.targetOperator}${input}`);
    }
  }
  if (plan.warnings.length > 0) {
    lines.push('');
    lines.push('Warnings:');
    for (const warning of plan.warnings) lines.push(`  ! ${warning}`);
  }
  return lines.join('\n');
}
