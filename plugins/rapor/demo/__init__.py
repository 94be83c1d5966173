"""The demo: a seeded synthetic region, the simulator of its channels, and `make demo`.

``region`` generates Kabupaten Dompu's files, ``simulator`` serves its channels' APIs on
loopback, ``channels`` feeds them to the collectors, ``run`` drives the whole demo through
Airflow, ``publication`` its publishing part. Nothing outside this package imports it.
"""
