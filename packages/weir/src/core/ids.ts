/**
 * @module Branded identifiers. A bare number or string never crosses a module boundary meaning an id.
 */

declare const brand: unique symbol;
/** A value of type `T` that carries a compile-time tag, so ids of different kinds cannot be mixed up. */
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** Identifies one run of a job (hex string). */
export type JobId = Brand<string, 'JobId'>;
/** The stable id of an operator, explicit (`.uid()`) or generated from the graph's structure. */
export type OperatorUid = Brand<string, 'OperatorUid'>;
/** Identifies a node in a StreamGraph (dense, in creation order). */
export type StreamNodeId = Brand<number, 'StreamNodeId'>;
/** Identifies a JobVertex (a chain of operators) in a JobGraph. */
export type JobVertexId = Brand<string, 'JobVertexId'>;
/** Index of a parallel instance of a vertex, from 0 to parallelism - 1. */
export type SubtaskIndex = Brand<number, 'SubtaskIndex'>;
/** Index of a task slot (a worker thread in local mode). */
export type SlotIndex = Brand<number, 'SlotIndex'>;
/** Checkpoint ids start at 1 and only increase. */
export type CheckpointId = Brand<number, 'CheckpointId'>;

export const JobId = (value: string): JobId => value as JobId;
export const OperatorUid = (value: string): OperatorUid => value as OperatorUid;
export const StreamNodeId = (value: number): StreamNodeId => value as StreamNodeId;
export const JobVertexId = (value: string): JobVertexId => value as JobVertexId;
export const SubtaskIndex = (value: number): SubtaskIndex => value as SubtaskIndex;
export const SlotIndex = (value: number): SlotIndex => value as SlotIndex;
export const CheckpointId = (value: number): CheckpointId => value as CheckpointId;

/** A new random job id: 32 hex characters, like Flink's. */
export function newJobId(): JobId {
  return JobId(crypto.randomUUID().replaceAll('-', ''));
}
