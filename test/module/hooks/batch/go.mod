module example.com/hooks/batch

go 1.22
