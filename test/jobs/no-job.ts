/**
 * @module A module that exports no job.
 */
export const notAJob = { name: 'nothing here' };
