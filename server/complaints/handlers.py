"""Service-task handlers and statutory deadlines of the 投诉处理 / Complaints service line."""
