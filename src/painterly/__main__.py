from painterly.cli import script

script()
