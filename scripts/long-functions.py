#!/usr/bin/env python3
"""List functions longer than LIMIT lines (default 80) in the Rust files under the given
folders (default: src and crates): the parts that should be split or say why not."""
import os, re, sys
limit = int(os.environ.get('LIMIT', 80))
pat = re.compile(r'^(\s*)(pub(\([a-z]+\))? )?(const )?(async )?(unsafe )?fn (\w+)')
out = []
for root in sys.argv[1:] or ['src', 'crates']:
    for d, _, fs in os.walk(root):
        for f in fs:
            if not f.endswith('.rs'): continue
            p = os.path.join(d, f)
            lines = open(p).read().split('\n')
            for i, l in enumerate(lines):
                m = pat.match(l)
                if not m or l.rstrip().endswith(';'): continue
                ind = m.group(1)
                for j in range(i + 1, len(lines)):
                    if lines[j] == ind + '}':
                        n = j - i + 1
                        if n > limit: out.append((n, p, i + 1, m.group(7)))
                        break
for n, p, i, name in sorted(out, reverse=True):
    print(f'{n:5} {p}:{i} {name}')
print(len(out), 'functions over', limit)
