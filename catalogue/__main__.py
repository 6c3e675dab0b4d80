from catalogue import run

run()
