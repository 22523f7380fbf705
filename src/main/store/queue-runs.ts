// Runs of a sweep on a job queue (sweeps.queue_url set) are trained by the queue's workers, on other
// machines; the process that owns their rows is only the coordinator that takes in what the workers
// send. When that process is gone (the app closed, the CLI killed), the runs are no orphans: they go
// on training, their results wait in PostgreSQL, and the next coordinator re-attaches and claims them
// (src/main/queue/queue-sweep.ts). So crash recovery and the liveness checks leave them as the last
// ingested state said. A condition on a `runs` row, for the queries that look for orphans.
export const NOT_ON_A_QUEUE = `NOT EXISTS (SELECT 1 FROM sweeps q WHERE q.id = runs.sweep_id AND q.queue_url IS NOT NULL)`;
