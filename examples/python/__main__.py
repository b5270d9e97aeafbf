"""`pulumi up` in this directory runs the example as an ordinary Pulumi program."""

from autoscaled_model import program

program()
