"""The pure core: tasks, their rules, recurrence and event shapes. No I/O, no frameworks."""
