"""Celery task: a thin caller of the import's phase. It receives the job's id, re-reads the job and
does nothing for a job that is not running, so a redelivered message is harmless."""

from celery import shared_task

from .services import run_phase


@shared_task(name="imports.run_import")
def run_import(job_id):
    run_phase(job_id)
