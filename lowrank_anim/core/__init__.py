"""The ground floor: what every other part may use and that uses nothing of ours — safe output
files (atomic publishing, scratch directories, sizes) and the SIGTERM policy.
"""
