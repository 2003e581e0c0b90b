"""Health: the doctor, the diagnosis of known environmental failures and the native-binary
architecture checks.
"""
