"""A plan's life after drafting: the plan file format (planfile), the review workflow and revisions (workflow), the
import of a plan file (planfile_import, above the workflow), comments and checklist (comments), and the diff of
two versions (diff)."""
