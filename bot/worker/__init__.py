"""The worker: campaign work (invitations, reminders, the daily purge) on a huey task queue.

`queue` holds the huey instance, `tasks` the tasks, `rasa_client` the call that starts a
conversation through Rasa. `engage worker` runs the consumer.
"""
