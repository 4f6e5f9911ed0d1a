-- 023 jobs perf: the job path's own cost (issue 16, point 8; measured by bench:jobs, see bench/README.md).
--
-- Where a drained job's time went: every complete_job commit NOTIFYs (job_status, 006), and a notifying transaction
-- holds a database-wide lock from pre-commit through its WAL flush, so completions never shared a flush: one
-- fdatasync (~1.3 ms on the bench machine) per job, one job at a time, capped the drain near 700 jobs/s whatever the
-- workers did. The claim and the progress report were one more transaction each, and every progress report was a
-- non-HOT update (heartbeat_at was indexed), writing a new entry into each of job_queue's indexes.
--
-- start_jobs(): a worker claims a batch of jobs (an SQS batch) in one statement; each job still wins once, as with
-- start_job (a row's lock re-checks status = 'pending' after waiting for a competing claim).
-- complete_jobs(): a worker completes the jobs of its batch in one statement, so one commit (one flush, one turn of
-- the notification lock) covers them all; every job is still announced on job_status, once, as it completes.
-- Progress reports become HOT updates: detect_stuck_jobs finds processing rows through an index that does not hold
-- heartbeat_at, and the table keeps free room on each page for the new row versions (fillfactor).

CREATE FUNCTION public.start_jobs(p_job_ids uuid[], p_worker_id text)
RETURNS TABLE (job_id uuid, user_id uuid, job_type text, params jsonb, retry_count integer, max_retries integer)
LANGUAGE plpgsql SET search_path = '' AS $$
#variable_conflict use_column
BEGIN
  IF p_worker_id IS NULL OR btrim(p_worker_id) = '' OR char_length(p_worker_id) > 200 THEN
    RAISE EXCEPTION 'p_worker_id must be 1..200 characters' USING ERRCODE = '22023';
  END IF;
  IF cardinality(p_job_ids) > 1000 THEN
    RAISE EXCEPTION 'at most 1000 jobs per call, got %', cardinality(p_job_ids) USING ERRCODE = '22023';
  END IF;
  -- Rows are locked in id order whatever the plan, so claimers of overlapping batches queue instead of deadlocking;
  -- a row another claimer took meanwhile fails the re-checked status and is left out.
  RETURN QUERY
    WITH claimable AS (
      SELECT q.id FROM public.job_queue q
       WHERE q.id = ANY (p_job_ids) AND q.status = 'pending' AND q.scheduled_for <= now()
       ORDER BY q.id
       FOR UPDATE
    )
    UPDATE public.job_queue q
       SET status = 'processing', worker_id = p_worker_id, started_at = now(), heartbeat_at = now(),
           progress = 0, progress_message = NULL
      FROM claimable c
     WHERE q.id = c.id
    RETURNING q.id, q.user_id, q.job_type, q.params, q.retry_count, q.max_retries;
END $$;

CREATE FUNCTION public.complete_jobs(p_results jsonb, p_worker_id text DEFAULT NULL)
RETURNS SETOF uuid
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
  IF p_results IS NULL OR jsonb_typeof(p_results) <> 'object' THEN
    RAISE EXCEPTION 'p_results must be a JSON object of job id → result' USING ERRCODE = '22023';
  END IF;
  RETURN QUERY
    UPDATE public.job_queue q
       SET status = 'completed', result = nullif(r.value, 'null'::jsonb), progress = 100, error_message = NULL, completed_at = now()
      FROM jsonb_each(p_results) r
     WHERE q.id = r.key::uuid AND q.status = 'processing' AND (p_worker_id IS NULL OR q.worker_id = p_worker_id)
    RETURNING q.id;
END $$;

REVOKE ALL ON FUNCTION public.start_jobs(uuid[], text), public.complete_jobs(jsonb, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.start_jobs(uuid[], text), public.complete_jobs(jsonb, text) TO service_role;

-- HOT progress reports: update_job_progress sets progress, progress_message and heartbeat_at (and the trigger
-- updated_at), none of them indexed any more. Processing rows are few (one per running worker): detect_stuck_jobs
-- reads them all through this index and filters on the heartbeat.
DROP INDEX public.job_queue_heartbeat_idx;
CREATE INDEX job_queue_processing_idx ON public.job_queue (started_at) WHERE status = 'processing';
ALTER TABLE public.job_queue SET (fillfactor = 80);
