"""Prefect 3 flows: ``review``, ``deploy_forms``, ``report``. Thin: every task calls
``konray_review.pipeline``; the same job runs without Prefect through the CLI."""
