"""Launching a campaign to residents who agreed to be contacted.

- `planning`: who is invited and who is left out (with why), the first message, quiet
  hours; reading only.
- `describing`: what a launch would do, for the dry run, in staff's words.
- `running`: record the launch and its invitations, hand them to the worker, watch them go.
- `status`: what became of each invitation (queued, sent, delivered, failed), derived.
"""
